module gmdtextbench

go 1.22
