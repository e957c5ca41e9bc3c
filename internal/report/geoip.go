package report

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/oschwald/maxminddb-golang/v2"
)

// GeoIP looks source addresses up in MaxMind-format databases the user
// supplies (GeoLite2 or GeoIP2 City, Country and ASN, or any database with
// the same record shape): the country from a City or Country database, the
// autonomous system from an ASN database. seeds/002 adds the same to every
// CloudTrail record; seeds/004 shows countries and ASNs of sign-ins.
type GeoIP struct {
	dbs []*geoDB
}

type geoDB struct {
	path, kind string
	r          *maxminddb.Reader
}

// Geo is what the databases know of one address.
type Geo struct {
	Country     string `json:"country,omitempty"`      // ISO code, KR
	CountryName string `json:"country_name,omitempty"` // English name
	ASN         uint   `json:"asn,omitempty"`
	ASOrg       string `json:"as_org,omitempty"`
}

// Label is "KR" or "KR, AS4766 Korea Telecom" or "" when nothing is known.
func (g Geo) Label() string {
	var parts []string
	if g.Country != "" {
		parts = append(parts, g.Country)
	}
	if g.ASN != 0 {
		parts = append(parts, strings.TrimSpace(fmt.Sprintf("AS%d %s", g.ASN, g.ASOrg)))
	}
	return strings.Join(parts, ", ")
}

// OpenGeoIP opens every file; an unreadable file, one that is not a MaxMind
// database, or one that holds neither countries nor ASNs is an error naming
// the file and what was expected.
func OpenGeoIP(paths []string) (*GeoIP, error) {
	g := &GeoIP{}
	var probs []error
	for _, p := range paths {
		if st, err := os.Stat(p); err != nil {
			probs = append(probs, fmt.Errorf("--geoip %s: %w", p, err))
			continue
		} else if st.IsDir() {
			probs = append(probs, fmt.Errorf("--geoip %s is a directory, not a MaxMind database file (.mmdb)", p))
			continue
		}
		r, err := maxminddb.Open(p)
		if err != nil {
			probs = append(probs, fmt.Errorf("--geoip %s is not a readable MaxMind database (GeoLite2-City, -Country or -ASN .mmdb): %v", p, err))
			continue
		}
		kind := r.Metadata.DatabaseType
		lk := strings.ToLower(kind)
		if !strings.Contains(lk, "city") && !strings.Contains(lk, "country") && !strings.Contains(lk, "asn") {
			_ = r.Close()
			probs = append(probs, fmt.Errorf("--geoip %s is a %q database: it holds neither countries nor ASNs (use GeoLite2-City, GeoLite2-Country or GeoLite2-ASN)", p, kind))
			continue
		}
		g.dbs = append(g.dbs, &geoDB{path: p, kind: kind, r: r})
	}
	if len(probs) > 0 {
		g.Close()
		return nil, errors.Join(probs...)
	}
	return g, nil
}

// Close releases the databases.
func (g *GeoIP) Close() {
	if g == nil {
		return
	}
	for _, d := range g.dbs {
		_ = d.r.Close()
	}
}

// Databases describes the databases open: "GeoLite2-City (file.mmdb, built 2026-11-01)".
func (g *GeoIP) Databases() []string {
	if g == nil {
		return nil
	}
	var out []string
	for _, d := range g.dbs {
		out = append(out, fmt.Sprintf("%s (%s, built %s)", d.kind, baseName(d.path), d.r.Metadata.BuildTime().UTC().Format("2006-01-02")))
	}
	return out
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// geoRecord is the shape GeoLite2/GeoIP2 City, Country and ASN records share.
type geoRecord struct {
	Country struct {
		ISOCode string            `maxminddb:"iso_code"`
		Names   map[string]string `maxminddb:"names"`
	} `maxminddb:"country"`
	RegisteredCountry struct {
		ISOCode string            `maxminddb:"iso_code"`
		Names   map[string]string `maxminddb:"names"`
	} `maxminddb:"registered_country"`
	ASN   uint   `maxminddb:"autonomous_system_number"`
	ASOrg string `maxminddb:"autonomous_system_organization"`
}

// Lookup returns what the databases know of addr; an address that is not
// an IP (CloudTrail's "AWS Internal", a service name) or that no database
// holds gives a zero Geo.
func (g *GeoIP) Lookup(addr string) Geo {
	var out Geo
	if g == nil {
		return out
	}
	ip, err := netip.ParseAddr(strings.TrimSpace(addr))
	if err != nil {
		return out
	}
	for _, d := range g.dbs {
		var rec geoRecord
		if err := d.r.Lookup(ip).Decode(&rec); err != nil {
			continue
		}
		if out.Country == "" {
			c := rec.Country
			if c.ISOCode == "" {
				c = rec.RegisteredCountry
			}
			out.Country, out.CountryName = c.ISOCode, c.Names["en"]
		}
		if out.ASN == 0 && rec.ASN != 0 {
			out.ASN, out.ASOrg = rec.ASN, rec.ASOrg
		}
	}
	return out
}
