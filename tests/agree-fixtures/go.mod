module gmdagree

go 1.22
