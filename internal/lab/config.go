package lab

import (
	"fmt"
	"net/mail"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config is a study group's validated context: everything the CDK app needs
// to know before it creates a construct.
type Config struct {
	// Group names the study group; it prefixes stack and log group names.
	Group string
	// Participants, in the order given. Each gets a ParticipantStack.
	Participants []string
	// AllowedCidrs may reach the web servers on port 80 (IPv4 only).
	AllowedCidrs []string
	// AlertEmails subscribe to the group's alarm topic. May be empty.
	AlertEmails []string
	// InstanceType of every web server.
	InstanceType string
	// Account and Region pin the stacks to an environment. Both empty means
	// environment-agnostic templates.
	Account, Region string
	// ExpiresAt is when the group deletes itself, in UTC to the second; the
	// zero time means never. Fixed when the context is parsed (see ParseAt).
	ExpiresAt time.Time
}

// Expires reports whether the group has an expiry time.
func (c *Config) Expires() bool { return !c.ExpiresAt.IsZero() }

// ExpiresAtText is ExpiresAt as the ExpiresAt output and the expiresAt
// context key write it: RFC 3339 in UTC, or "never".
func (c *Config) ExpiresAtText() string {
	if !c.Expires() {
		return ExpiresNever
	}
	return c.ExpiresAt.UTC().Format(time.RFC3339)
}

// Arm64 reports whether the configured instance type is a Graviton type, which
// decides the architecture of the Amazon Linux 2023 image.
func (c *Config) Arm64() bool { return IsArm64InstanceType(c.InstanceType) }

// Limits of the context values, with the reason for each where it is ours.
const (
	// MaxParticipants caps a group. Each participant is one t4g instance (2
	// vCPUs against the account's Running On-Demand Standard quota, which new
	// accounts often have at 5 to 32 vCPUs) and one public IPv4 address; at 30
	// a group already needs 60 vCPUs. Larger classes split into groups with
	// their own groupName.
	MaxParticipants = 30
	// MaxAllowedCidrs stays under the 60 inbound rules a security group holds.
	MaxAllowedCidrs = 50
	// MaxAlertEmails keeps the subscription list an instructor's list, not a
	// mailing list; each address has to confirm its subscription.
	MaxAlertEmails = 10
	// MaxTTLHours is 30 days: a study group that meets weekly keeps its lab
	// for a few sessions at most, and a forgotten lab then costs a month at
	// worst. Longer-lived labs say so with ttlHours=0 (never).
	MaxTTLHours = 720
	// MinExpiryLead is how far in the future an explicit expiresAt must be:
	// a deploy of the whole group takes several minutes, and a teardown that
	// starts while the stacks are still being updated fails.
	MinExpiryLead = 15 * time.Minute
)

// DefaultTTLHours is an evening's lab and the clean-up after it.
const DefaultTTLHours = 8

// ExpiresNever is the expiresAt value (and ExpiresAt output) of a group that
// never expires.
const ExpiresNever = "never"

// DefaultInstanceType is a 0.5 GiB Graviton instance: the cheapest type that
// runs the lab. Amazon Linux 2023 has no swap and dnf or the SSM agent get
// OOM-killed at 0.5 GiB, so the web server's user data creates a swap file
// before dnf runs (assets/userdata/webserver.sh).
const DefaultInstanceType = "t4g.nano"

// Context keys the app reads (-c key=value or cdk.json "context").
const (
	KeyParticipants = "participants"
	KeyAllowedCidr  = "allowedCidr"
	KeyAlertEmail   = "alertEmail"
	KeyGroupName    = "groupName"
	KeyInstanceType = "instanceType"
	KeyAccount      = "account"
	KeyRegion       = "region"
	KeyTTLHours     = "ttlHours"
	KeyExpiresAt    = "expiresAt"
)

// ContextKey documents one context key for the README and for error messages.
type ContextKey struct {
	Name    string
	Default string
	Doc     string
}

// ContextKeys lists every context key the app reads, with its default. The
// README's table is checked against it.
var ContextKeys = []ContextKey{
	{KeyParticipants, "(required)", "comma-separated participant names, 1 to 30, each matching " + namePatternText},
	{KeyAllowedCidr, "(required)", "comma-separated IPv4 CIDRs that may reach the web servers on port 80; 0.0.0.0/0 is accepted with a warning"},
	{KeyAlertEmail, "(none)", "comma-separated e-mail addresses subscribed to the group's alarm topic"},
	{KeyGroupName, DefaultGroup, "the study group's name, matching " + namePatternText + "; prefixes stack and log group names"},
	{KeyInstanceType, DefaultInstanceType, "EC2 instance type of the web servers; Graviton types get the arm64 image"},
	{KeyAccount, "$CDK_DEFAULT_ACCOUNT", "12-digit account to pin the stacks to; environment-agnostic when neither is set"},
	{KeyRegion, "$CDK_DEFAULT_REGION", "region to pin the stacks to; environment-agnostic when neither is set"},
	{KeyTTLHours, strconv.Itoa(DefaultTTLHours), "hours from synthesis until the group deletes itself, a whole number from 0 to 720; 0 means never"},
	{KeyExpiresAt, "(now + ttlHours)", "the expiry as an RFC 3339 time such as 2026-03-14T21:00:00Z, or never; wins over ttlHours, and keeps the expiry fixed across re-deploys"},
}

const (
	namePatternText = "[a-z][a-z0-9-]{0,19}"
	nameRule        = "must match " + namePatternText + " (a lower-case letter first, then lower-case letters, digits or hyphens, at most 20 characters, no trailing hyphen)"
)

var (
	namePattern         = regexp.MustCompile(`^` + namePatternText + `$`)
	instanceTypePattern = regexp.MustCompile(`^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.[0-9]*[a-z][a-z0-9]*$`)
	accountPattern      = regexp.MustCompile(`^[0-9]{12}$`)
	regionPattern       = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$`)
)

// Problems collects every problem found in a context so that one run reports
// all of them.
type Problems []string

func (p *Problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

// Error lists the problems one per line.
func (p Problems) Error() string {
	return "invalid context (-c key=value):\n  - " + strings.Join(p, "\n  - ")
}

// Parse validates the app's context. ctx holds every context value as a
// string (lists comma-separated); env holds CDK_DEFAULT_ACCOUNT and
// CDK_DEFAULT_REGION when the CDK CLI set them. It returns the config, the
// warnings the user must see, and a Problems error naming every bad value.
// The expiry is computed from the current time; see ParseAt.
func Parse(ctx, env map[string]string) (*Config, []string, error) {
	return ParseAt(ctx, env, time.Now())
}

// ParseAt is Parse with the clock given: a ttlHours expiry is now plus
// ttlHours, rounded up to the whole minute, and an expiresAt must lie
// between MinExpiryLead and MaxTTLHours after now.
func ParseAt(ctx, env map[string]string, now time.Time) (*Config, []string, error) {
	var probs Problems
	var warnings []string
	c := &Config{
		Group:        DefaultGroup,
		InstanceType: DefaultInstanceType,
	}
	probs = append(probs, unknownKeys(ctx)...)

	if v, ok := ctx[KeyGroupName]; ok {
		v = strings.TrimSpace(v)
		if !validName(v) {
			probs.add("%s %q %s", KeyGroupName, v, nameRule)
		} else {
			c.Group = v
		}
	}

	c.Participants = parseParticipants(ctx, &probs)
	c.AllowedCidrs, warnings = parseCidrs(ctx, &probs)
	c.AlertEmails = parseEmails(ctx, &probs)

	if v, ok := ctx[KeyInstanceType]; ok {
		v = strings.TrimSpace(v)
		if !instanceTypePattern.MatchString(v) {
			probs.add("%s %q is not an EC2 instance type such as %s or t3.micro", KeyInstanceType, v, DefaultInstanceType)
		} else {
			c.InstanceType = v
		}
	}

	c.Account = firstSet(ctx[KeyAccount], env["CDK_DEFAULT_ACCOUNT"])
	if c.Account != "" && !accountPattern.MatchString(c.Account) {
		probs.add("%s %q must be a 12-digit AWS account id", KeyAccount, c.Account)
	}
	c.Region = firstSet(ctx[KeyRegion], env["CDK_DEFAULT_REGION"])
	if c.Region != "" && !regionPattern.MatchString(c.Region) {
		probs.add("%s %q is not an AWS region name such as us-east-1 or ap-northeast-2", KeyRegion, c.Region)
	}

	var expiryWarnings []string
	c.ExpiresAt, expiryWarnings = parseExpiry(ctx, now, &probs)
	warnings = append(warnings, expiryWarnings...)

	if len(probs) > 0 {
		return nil, warnings, probs
	}
	return c, warnings, nil
}

// parseExpiry decides when the group expires: an explicit expiresAt wins (it
// is how a re-deploy keeps the first deploy's expiry), else now + ttlHours.
func parseExpiry(ctx map[string]string, now time.Time, probs *Problems) (time.Time, []string) {
	now = now.UTC()
	ttl := DefaultTTLHours
	rawTTL, ttlGiven := ctx[KeyTTLHours]
	if ttlGiven {
		rawTTL = strings.TrimSpace(rawTTL)
		n, err := strconv.Atoi(rawTTL)
		switch {
		case err != nil || n < 0:
			probs.add("%s %q must be a whole number of hours from 0 to %d (0: the lab never expires)", KeyTTLHours, rawTTL, MaxTTLHours)
		case n > MaxTTLHours:
			probs.add("%s %d is more than %d (30 days); a lab that must live longer says so with -c %s=0 (never expires)", KeyTTLHours, n, MaxTTLHours, KeyTTLHours)
		default:
			ttl = n
		}
	}

	rawAt, atGiven := ctx[KeyExpiresAt]
	if !atGiven {
		if ttl == 0 {
			return time.Time{}, nil
		}
		// Rounded up to the minute: the time people read, print and pass
		// back as expiresAt.
		at := now.Add(time.Duration(ttl) * time.Hour)
		if t := at.Truncate(time.Minute); !t.Equal(at) {
			at = t.Add(time.Minute)
		}
		return at, nil
	}

	var warnings []string
	rawAt = strings.TrimSpace(rawAt)
	if ttlGiven {
		warnings = append(warnings, fmt.Sprintf("%s %s is ignored: %s %s fixes the expiry", KeyTTLHours, rawTTL, KeyExpiresAt, rawAt))
	}
	if rawAt == ExpiresNever {
		return time.Time{}, warnings
	}
	at, err := time.Parse(time.RFC3339, rawAt)
	if err != nil {
		probs.add("%s %q is not an RFC 3339 time such as 2026-03-14T21:00:00Z (or %q)", KeyExpiresAt, rawAt, ExpiresNever)
		return time.Time{}, warnings
	}
	at = at.UTC().Truncate(time.Second)
	switch {
	case !at.After(now):
		probs.add("%s %s is in the past (it is now %s); the group would delete itself as soon as it is deployed: give a later time, or %s for never", KeyExpiresAt, rawAt, now.Truncate(time.Second).Format(time.RFC3339), ExpiresNever)
	case at.Sub(now) < MinExpiryLead:
		probs.add("%s %s is only %s away; give at least %s, so that the deploy is over before the teardown starts", KeyExpiresAt, rawAt, at.Sub(now).Round(time.Second), MinExpiryLead)
	case at.Sub(now) > MaxTTLHours*time.Hour:
		probs.add("%s %s is more than %d hours (30 days) away; a lab that must live longer says so with -c %s=%s", KeyExpiresAt, rawAt, MaxTTLHours, KeyExpiresAt, ExpiresNever)
	}
	return at, warnings
}

func validName(s string) bool { return namePattern.MatchString(s) && !strings.HasSuffix(s, "-") }

// ValidParticipantName reports whether s is acceptable as a participant name,
// for the CLI's flags.
func ValidParticipantName(s string) error {
	if !validName(s) {
		return fmt.Errorf("participant name %q %s", s, nameRule)
	}
	return nil
}

func parseParticipants(ctx map[string]string, probs *Problems) []string {
	raw, ok := ctx[KeyParticipants]
	if !ok || strings.TrimSpace(raw) == "" {
		probs.add("%s is required: the study group's names, e.g. -c %s=koo,lee", KeyParticipants, KeyParticipants)
		return nil
	}
	var names []string
	seen := map[string]bool{}
	for i, n := range strings.Split(raw, ",") {
		n = strings.TrimSpace(n)
		switch {
		case n == "":
			probs.add("%s entry %d is empty in %q", KeyParticipants, i+1, raw)
		case ValidParticipantName(n) != nil:
			probs.add("%s", ValidParticipantName(n).Error())
		case seen[n]:
			probs.add("participant %q is listed twice", n)
		default:
			seen[n] = true
			names = append(names, n)
		}
	}
	if len(names) > MaxParticipants {
		probs.add("%s lists %d names; one group holds at most %d (each is 2 vCPUs of the account's on-demand quota and a public IPv4 address): split the class into groups with -c %s", KeyParticipants, len(names), MaxParticipants, KeyGroupName)
	}
	return names
}

func parseCidrs(ctx map[string]string, probs *Problems) ([]string, []string) {
	raw, ok := ctx[KeyAllowedCidr]
	if !ok || strings.TrimSpace(raw) == "" {
		probs.add("%s is required: the IPv4 CIDRs allowed to reach the web servers on port 80, e.g. -c %s=203.0.113.7/32 (your own address plus /32)", KeyAllowedCidr, KeyAllowedCidr)
		return nil, nil
	}
	var cidrs, warnings []string
	seen := map[string]bool{}
	for i, s := range strings.Split(raw, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			probs.add("%s entry %d is empty in %q", KeyAllowedCidr, i+1, raw)
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			if a, aerr := netip.ParseAddr(s); aerr == nil && a.Is4() {
				probs.add("%s %q has no prefix length; for that one address write %q", KeyAllowedCidr, s, s+"/32")
			} else {
				probs.add("%s %q is not an IPv4 CIDR such as 203.0.113.0/24", KeyAllowedCidr, s)
			}
			continue
		}
		if !p.Addr().Is4() {
			probs.add("%s %q is IPv6; the lab's web servers have IPv4 addresses only, give an IPv4 CIDR such as 203.0.113.0/24", KeyAllowedCidr, s)
			continue
		}
		if p.Masked() != p {
			probs.add("%s %q has host bits set; did you mean %q?", KeyAllowedCidr, s, p.Masked().String())
			continue
		}
		if seen[s] {
			probs.add("%s %q is listed twice", KeyAllowedCidr, s)
			continue
		}
		seen[s] = true
		if p.Bits() == 0 {
			warnings = append(warnings, fmt.Sprintf("%s %s opens every web server's port 80 to the whole internet; scanners will find it within minutes", KeyAllowedCidr, s))
		}
		cidrs = append(cidrs, s)
	}
	if len(cidrs) > MaxAllowedCidrs {
		probs.add("%s lists %d CIDRs; at most %d fit one security group (60 inbound rules), merge them into wider prefixes", KeyAllowedCidr, len(cidrs), MaxAllowedCidrs)
	}
	return cidrs, warnings
}

func parseEmails(ctx map[string]string, probs *Problems) []string {
	raw := strings.TrimSpace(ctx[KeyAlertEmail])
	if raw == "" {
		return nil
	}
	var emails []string
	seen := map[string]bool{}
	for _, s := range strings.Split(raw, ",") {
		s = strings.TrimSpace(s)
		a, err := mail.ParseAddress(s)
		_, domain, _ := strings.Cut(s, "@")
		if err != nil || a.Address != s || !strings.Contains(domain, ".") || strings.HasSuffix(domain, ".") {
			probs.add("%s %q is not an e-mail address such as instructor@example.com (a bare address, no display name)", KeyAlertEmail, s)
			continue
		}
		if seen[strings.ToLower(s)] {
			probs.add("%s %q is listed twice", KeyAlertEmail, s)
			continue
		}
		seen[strings.ToLower(s)] = true
		emails = append(emails, s)
	}
	if len(emails) > MaxAlertEmails {
		probs.add("%s lists %d addresses; at most %d (each must confirm its own subscription)", KeyAlertEmail, len(emails), MaxAlertEmails)
	}
	return emails
}

// unknownKeys reports context keys that look like a misspelt key of ours, so
// that -c participant=koo fails with a hint instead of a missing value.
func unknownKeys(ctx map[string]string) Problems {
	var probs Problems
	keys := make([]string, 0, len(ctx))
	for k := range ctx {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if knownKey(k) {
			continue
		}
		for _, ck := range ContextKeys {
			if editDistance(strings.ToLower(k), strings.ToLower(ck.Name)) <= 2 {
				probs.add("unknown context key %q; did you mean %q?", k, ck.Name)
				break
			}
		}
	}
	return probs
}

func knownKey(k string) bool {
	return slices.ContainsFunc(ContextKeys, func(ck ContextKey) bool { return ck.Name == k })
}

// editDistance is the Levenshtein distance between two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func firstSet(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// IsArm64InstanceType reports whether an instance type runs on Graviton: the
// a1 family, or a family whose letters after the generation number include
// "g" (t4g, m7gd, c7gn, im4gn, x2gd). g4dn and g5 are x86 GPU types.
func IsArm64InstanceType(t string) bool {
	family, _, _ := strings.Cut(t, ".")
	if family == "a1" {
		return true
	}
	i := strings.IndexAny(family, "0123456789")
	if i < 0 {
		return false
	}
	suffix := strings.TrimLeft(family[i:], "0123456789")
	return strings.Contains(suffix, "g")
}

// ValidGroupName reports whether s is acceptable as a group name, for the
// CLI's flags.
func ValidGroupName(s string) error {
	if !validName(s) {
		return fmt.Errorf("group name %q %s", s, nameRule)
	}
	return nil
}
