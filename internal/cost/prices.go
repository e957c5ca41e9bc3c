package cost

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/seclab/seclab/assets"
)

// Price is one figure of a price table.
type Price struct {
	USD    float64 `json:"usd"`
	Unit   string  `json:"unit"`
	Source string  `json:"source"`
}

// Prices is a price table: list prices of one region with their date and
// the public pricing page of each figure (assets/prices/<region>.json).
type Prices struct {
	Region          string             `json:"region"`
	Currency        string             `json:"currency"`
	AsOf            string             `json:"asOf"`
	HoursPerMonth   float64            `json:"hoursPerMonth"`
	Notes           []string           `json:"notes"`
	InstancesSource string             `json:"instancesSource"`
	Instances       map[string]float64 `json:"instances"`
	Prices          map[string]Price   `json:"prices"`
	// File is where the table was read from.
	File string `json:"-"`
}

// Keys of the figures the estimate uses; a table must have every one.
const (
	pPublicIPv4       = "ec2.publicIPv4"
	pNatGateway       = "ec2.natGateway"
	pCPUCredits       = "ec2.cpuCreditSurplus"
	pDetailedMonitor  = "ec2.detailedMonitoring"
	pGp3              = "ebs.gp3"
	pGp2              = "ebs.gp2"
	pMetric           = "cloudwatch.metric"
	pAlarm            = "cloudwatch.alarmStandard"
	pAlarmHighRes     = "cloudwatch.alarmHighResolution"
	pDashboard        = "cloudwatch.dashboard"
	pCWRequest        = "cloudwatch.requests"
	pLogsIngest       = "logs.ingestion"
	pLogsStore        = "logs.storage"
	pVendedLogs       = "logs.vendedToLogs"
	pVendedS3         = "logs.vendedToS3"
	pInsights         = "logs.insightsScan"
	pS3Standard       = "s3.standard"
	pS3Put            = "s3.put"
	pS3Get            = "s3.get"
	pAthenaTB         = "athena.scan"
	pPaidMgmtEvent    = "cloudtrail.paidManagementEvents"
	pDataEvent        = "cloudtrail.dataEvents"
	pKMSKey           = "kms.key"
	pKMSRequest       = "kms.requests"
	pSecret           = "secretsmanager.secret"
	pAdvancedParam    = "ssm.advancedParameter"
	pSFNTransition    = "stepfunctions.transition"
	pSchedulerInvoke  = "scheduler.invocation"
	pLambdaRequest    = "lambda.request"
	pSNSEmail         = "sns.email"
	defaultPriceTable = "us-east-1"
)

var requiredPrices = []string{pPublicIPv4, pNatGateway, pCPUCredits, pDetailedMonitor, pGp3, pGp2, pMetric, pAlarm, pAlarmHighRes,
	pDashboard, pCWRequest, pLogsIngest, pLogsStore, pVendedLogs, pVendedS3, pInsights, pS3Standard, pS3Put, pS3Get, pAthenaTB,
	pPaidMgmtEvent, pDataEvent, pKMSKey, pKMSRequest, pSecret, pAdvancedParam, pSFNTransition, pSchedulerInvoke, pLambdaRequest, pSNSEmail}

// EmbeddedRegions lists the regions with a price table in the binary.
func EmbeddedRegions() []string {
	entries, _ := fs.ReadDir(assets.Prices, "prices")
	var out []string
	for _, e := range entries {
		if r, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

// LoadPrices reads the embedded price table of region ("" for us-east-1).
func LoadPrices(region string) (*Prices, error) {
	if region == "" {
		region = defaultPriceTable
	}
	b, err := assets.Prices.ReadFile("prices/" + region + ".json")
	if err != nil {
		return nil, fmt.Errorf("no price table for region %q (the binary has %s; pass --prices FILE for another)", region, strings.Join(EmbeddedRegions(), ", "))
	}
	return parsePrices(b, "assets/prices/"+region+".json")
}

// LoadPricesFile reads a price table from a file in the same format.
func LoadPricesFile(path string) (*Prices, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read price table: %w", err)
	}
	return parsePrices(b, path)
}

func parsePrices(b []byte, file string) (*Prices, error) {
	var p Prices
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("price table %s: %w", file, err)
	}
	p.File = file
	var probs []string
	if p.Region == "" || p.AsOf == "" || p.Currency == "" {
		probs = append(probs, "region, asOf and currency are required")
	}
	if p.HoursPerMonth <= 0 {
		probs = append(probs, "hoursPerMonth must be positive")
	}
	for _, k := range requiredPrices {
		pr, ok := p.Prices[k]
		switch {
		case !ok:
			probs = append(probs, fmt.Sprintf("price %q is missing", k))
		case pr.USD < 0 || pr.Unit == "" || pr.Source == "":
			probs = append(probs, fmt.Sprintf("price %q needs a non-negative usd, a unit and a source", k))
		}
	}
	for t, usd := range p.Instances {
		if usd <= 0 {
			probs = append(probs, fmt.Sprintf("instance %q has price %g", t, usd))
		}
	}
	if len(probs) > 0 {
		sort.Strings(probs)
		return nil, fmt.Errorf("price table %s: %s", file, strings.Join(probs, "; "))
	}
	return &p, nil
}

func (p *Prices) usd(key string) float64 { return p.Prices[key].USD }

// monthly turns a monthly price into an hourly one.
func (p *Prices) monthly(key string) float64 { return p.Prices[key].USD / p.HoursPerMonth }
