// Package geoiptest writes tiny MaxMind-format databases for tests, in the
// record shapes of GeoLite2-City and GeoLite2-ASN, over the documentation
// address ranges the CloudTrail samples and the fakes use (RFC 5737). No
// real GeoIP data is shipped or fetched.
package geoiptest

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// Place is what the databases say of one network.
type Place struct {
	Network     string
	Country     string // ISO code
	CountryName string
	ASN         uint32
	ASOrg       string
}

// Places are the networks the test databases hold.
var Places = []Place{
	{"203.0.113.0/24", "KR", "South Korea", 4766, "Korea Telecom"},
	{"198.51.100.0/24", "US", "United States", 16509, "Amazon.com, Inc."},
	{"192.0.2.0/24", "NL", "Netherlands", 1136, "KPN B.V."},
	{"123.123.123.0/24", "CN", "China", 4837, "CHINA UNICOM China169 Backbone"},
}

// BuildTime is the databases' build time, fixed so that output naming it
// stays the same from day to day.
var BuildTime = time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)

// Write writes GeoLite2-City.mmdb (countries) and GeoLite2-ASN.mmdb (ASNs)
// into dir and returns their paths.
func Write(t testing.TB, dir string) (city, asn string) {
	t.Helper()
	city = filepath.Join(dir, "GeoLite2-City.mmdb")
	asn = filepath.Join(dir, "GeoLite2-ASN.mmdb")
	write(t, city, "GeoLite2-City", func(p Place) mmdbtype.Map {
		country := mmdbtype.Map{"iso_code": mmdbtype.String(p.Country), "names": mmdbtype.Map{"en": mmdbtype.String(p.CountryName)}}
		return mmdbtype.Map{"country": country, "registered_country": country}
	})
	write(t, asn, "GeoLite2-ASN", func(p Place) mmdbtype.Map {
		return mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(p.ASN), "autonomous_system_organization": mmdbtype.String(p.ASOrg)}
	})
	return city, asn
}

func write(t testing.TB, path, kind string, record func(Place) mmdbtype.Map) {
	t.Helper()
	// The documentation ranges are reserved networks, which the writer
	// leaves out unless told otherwise.
	w, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: kind, RecordSize: 24, IncludeReservedNetworks: true, BuildEpoch: BuildTime.Unix(),
		Description: map[string]string{"en": "seclab test " + kind}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range Places {
		_, n, err := net.ParseCIDR(p.Network)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Insert(n, record(p)); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := w.WriteTo(f); err != nil {
		t.Fatal(err)
	}
}
