module gmd/tracefixtures

go 1.22
