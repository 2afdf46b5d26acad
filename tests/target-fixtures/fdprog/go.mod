module fdprog

go 1.22
