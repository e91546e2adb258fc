module github.com/iplabel/iplabel

go 1.26.0
