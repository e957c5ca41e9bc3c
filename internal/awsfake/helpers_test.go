package awsfake

import "github.com/seclab/seclab/internal/queries"

func queriesNames() queries.Names {
	return queries.Names{Database: "db", AccessTable: "a", TrailTable: "t", FlowTable: "f"}
}

func queriesGet(name string) (queries.Query, error) { return queries.Get(name) }
