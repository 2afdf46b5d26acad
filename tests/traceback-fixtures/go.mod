module gmdtracebacks

go 1.22
