module gmdbenchgen

go 1.22
