module github.com/fleetfw/ilo

go 1.26.0
