module gmd/pcln

go 1.22
