module gmd/liveprog

go 1.22
