module lategc

go 1.22
