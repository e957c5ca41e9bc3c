package assets

import "embed"

// Prices holds the price tables `seclab cost` estimates with
// (assets/prices/<region>.json): AWS list prices with their date, currency
// and the public pricing page each figure comes from.
//
//go:embed prices/*.json
var Prices embed.FS
