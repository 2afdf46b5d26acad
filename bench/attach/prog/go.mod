module gmd/bench/attach/prog

go 1.22
