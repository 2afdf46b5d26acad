module corestack

go 1.22
