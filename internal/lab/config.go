package lab

import (
	"fmt"
	"maps"
	"net/mail"
	"net/netip"
	"regexp"
	"slices"
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
	// RetentionDays keeps the group's log events this many days; one of
	// LogRetentionDays.
	RetentionDays int
	// Account and Region pin the stacks to an environment. Both empty means
	// environment-agnostic templates.
	Account, Region string
	// ArchiveTransitionDays after creation, the archive's objects move to
	// S3 Standard-IA; 0 keeps them in Standard.
	ArchiveTransitionDays int
	// ArchiveExpireDays after creation, the archive's objects are deleted.
	ArchiveExpireDays int
	// AthenaScanLimitMiB is the most a query in the group's workgroup may
	// scan before Athena cancels it.
	AthenaScanLimitMiB int
	// ExistingTrailLogGroup, when set, names the CloudWatch Logs log group of
	// a trail the account already has (an organization or account trail):
	// the group then creates no trail and its CIS alarms watch that log group.
	ExistingTrailLogGroup string
	// TrailDataEvents adds S3 data events on the log archive bucket to the
	// group's trail.
	TrailDataEvents bool
	// ExpiresAt is when the group deletes itself, in UTC to the second; the
	// zero time means never. Fixed when the context is parsed (see ParseAt).
	ExpiresAt time.Time

	// Access is how participants sign in (AccessIAMUsers, AccessRoles);
	// empty means AccessNone. See AccessMode.
	Access string
	// ParticipantAccounts maps each participant to the account their role
	// trusts (AccessRoles only).
	ParticipantAccounts map[string]string
	// InstructorArn is the one principal that may read the initial
	// passwords (AccessIAMUsers); empty: the account's administrators.
	InstructorArn string
	// NoRoleExternalID drops the roles' sts:ExternalId condition.
	NoRoleExternalID bool
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
	// MinTransitionDays is S3's minimum age for a lifecycle transition to
	// Standard-IA; MaxArchiveDays (ten years) catches a typo long before
	// S3's own limit.
	MinTransitionDays = 30
	MaxArchiveDays    = 3650
	// MinAthenaScanLimitMiB is above Athena's smallest cutoff (10 MB);
	// MaxAthenaScanLimitMiB (1 TiB) is five dollars a query.
	MinAthenaScanLimitMiB = 10
	MaxAthenaScanLimitMiB = 1 << 20
	// MaxTTLHours is 30 days: a study group that meets weekly keeps its lab
	// for a few sessions at most, and a forgotten lab then costs a month at
	// worst. Longer-lived labs say so with ttlHours=0 (never).
	MaxTTLHours = 720
	// MinExpiryLead is how far in the future an explicit expiresAt must be:
	// a deploy of the whole group takes several minutes, and a teardown that
	// starts while the stacks are still being updated fails.
	MinExpiryLead = 15 * time.Minute
)

// Defaults of the archive and Athena context keys.
const (
	// DefaultArchiveTransitionDays: the lab reads its logs in the first
	// weeks; after a month they are kept for investigations only.
	DefaultArchiveTransitionDays = 30
	// DefaultArchiveExpireDays keeps a year, beyond CloudTrail's 90-day
	// event history (seeds/003).
	DefaultArchiveExpireDays = 365
	// DefaultAthenaScanLimitMiB: the lab's queries scan kilobytes to
	// megabytes; a query that scans a GiB has lost its partition filter.
	DefaultAthenaScanLimitMiB = 1024
)

// DefaultRetentionDays keeps a week of logs: long enough for a study
// group's sessions a few days apart, short enough to cost next to nothing.
const DefaultRetentionDays = 7

// LogRetentionDays are the retentions (in days) CloudWatch Logs accepts for a
// log group (PutRetentionPolicy); "never expire" is left out on purpose, since
// a lab's logs must not outlive it.
var LogRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

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
	KeyRetention    = "retentionDays"
	KeyAccount      = "account"
	KeyRegion       = "region"

	KeyArchiveTransitionDays = "archiveTransitionDays"
	KeyArchiveExpireDays     = "archiveExpireDays"
	KeyAthenaScanLimit       = "athenaScanLimitMiB"
	KeyExistingTrailLogGroup = "existingTrailLogGroup"
	KeyTrailDataEvents       = "trailDataEvents"
	KeyTTLHours              = "ttlHours"
	KeyExpiresAt             = "expiresAt"
)

// ContextKey documents one context key for the README and for error messages.
type ContextKey struct {
	Name    string
	Default string
	Doc     string
}

// ContextKeys lists every context key the app reads, with its default. The
// README's table is checked against it.
var ContextKeys = append([]ContextKey{
	{KeyParticipants, "(required)", "comma-separated participant names, 1 to 30, each matching " + namePatternText},
	{KeyAllowedCidr, "(required)", "comma-separated IPv4 CIDRs that may reach the web servers on port 80; 0.0.0.0/0 is accepted with a warning"},
	{KeyAlertEmail, "(none)", "comma-separated e-mail addresses subscribed to the group's alarm topic"},
	{KeyGroupName, DefaultGroup, "the study group's name, matching " + namePatternText + "; prefixes stack and log group names"},
	{KeyInstanceType, DefaultInstanceType, "EC2 instance type of the web servers; Graviton types get the arm64 image"},
	{KeyRetention, strconv.Itoa(DefaultRetentionDays), "days CloudWatch Logs keeps the group's log events; one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, … 3653)"},
	{KeyAccount, "$CDK_DEFAULT_ACCOUNT", "12-digit account to pin the stacks to; by default the account of the CDK CLI's credentials, environment-agnostic without credentials"},
	{KeyRegion, "$CDK_DEFAULT_REGION", "region to pin the stacks to; by default the CDK CLI's region when it found credentials, environment-agnostic without them"},
	{KeyArchiveTransitionDays, strconv.Itoa(DefaultArchiveTransitionDays), "days after which the log archive's objects move to S3 Standard-IA: 0 (never) or 30 to 3650"},
	{KeyArchiveExpireDays, strconv.Itoa(DefaultArchiveExpireDays), "days after which the log archive's objects are deleted: 1 to 3650, more than archiveTransitionDays"},
	{KeyAthenaScanLimit, strconv.Itoa(DefaultAthenaScanLimitMiB), "MiB one query in the group's Athena workgroup may scan before Athena cancels it: 10 to 1048576"},
	{KeyExistingTrailLogGroup, "(none)", "log group of a trail the account already has, in the stacks' region; the group then creates no trail and its CIS alarms watch that log group"},
	{KeyTrailDataEvents, "false", "`true` adds S3 data events on the log archive bucket (every prefix but the trail's own) to the group's trail"},
	{KeyTTLHours, strconv.Itoa(DefaultTTLHours), "hours from synthesis until the group deletes itself, a whole number from 0 to 720; 0 means never"},
	{KeyExpiresAt, "(now + ttlHours)", "the expiry as an RFC 3339 time such as 2026-03-14T21:00:00Z, or never; wins over ttlHours, and keeps the expiry fixed across re-deploys"},
}, accessContextKeys...)

const (
	namePatternText = "[a-z][a-z0-9-]{0,19}"
	nameRule        = "must match " + namePatternText + " (a lower-case letter first, then lower-case letters, digits or hyphens, at most 20 characters, no trailing hyphen)"
)

var (
	namePattern         = regexp.MustCompile(`^` + namePatternText + `$`)
	instanceTypePattern = regexp.MustCompile(`^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.[0-9]*[a-z][a-z0-9]*$`)
	accountPattern      = regexp.MustCompile(`^[0-9]{12}$`)
	logGroupNamePattern = regexp.MustCompile(`^[.\-_/#A-Za-z0-9]{1,512}$`)
	regionPattern       = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$`)
)

// Problems collects every problem found in a context or a construct's props
// so that one run reports all of them.
type Problems []string

func (p *Problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

// Error lists the problems one per line.
func (p Problems) Error() string { return "- " + strings.Join(p, "\n- ") }

// ContextError is what Parse returns: the problems of the app's context,
// under a heading that says where they came from. errors.As finds the
// Problems inside.
type ContextError struct{ Problems Problems }

func (e *ContextError) Error() string {
	return "invalid context (-c key=value):\n  - " + strings.Join(e.Problems, "\n  - ")
}

func (e *ContextError) Unwrap() error { return e.Problems }

// Err is p as an error, nil when there is no problem: a nil Problems held
// in an error interface would not compare equal to nil.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return p
}

// Quote shows an optional string prop in a problem: quoted, or <nil>.
func Quote(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%q", *s)
}

// Deref is an optional string prop's value, or "<nil>" when it is unset.
func Deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
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
		Group:                 DefaultGroup,
		InstanceType:          DefaultInstanceType,
		RetentionDays:         DefaultRetentionDays,
		ArchiveTransitionDays: DefaultArchiveTransitionDays,
		ArchiveExpireDays:     DefaultArchiveExpireDays,
		AthenaScanLimitMiB:    DefaultAthenaScanLimitMiB,
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

	if v, ok := ctx[KeyRetention]; ok {
		v = strings.TrimSpace(v)
		n, err := strconv.Atoi(v)
		if err != nil || !slices.Contains(LogRetentionDays, n) {
			probs.add("%s %q is not a retention CloudWatch Logs accepts; use one of %s (days)", KeyRetention, v, joinInts(LogRetentionDays))
		} else {
			c.RetentionDays = n
		}
	}

	// The CDK CLI always sets CDK_DEFAULT_REGION (us-east-1 when nothing is
	// configured) but CDK_DEFAULT_ACCOUNT only when it found credentials.
	// Without credentials the stacks stay environment-agnostic rather than
	// being pinned to a region nobody chose.
	envAccount, envRegion := env["CDK_DEFAULT_ACCOUNT"], env["CDK_DEFAULT_REGION"]
	if strings.TrimSpace(envAccount) == "" {
		envRegion = ""
	}
	c.Account = firstSet(ctx[KeyAccount], envAccount)
	if c.Account != "" && !accountPattern.MatchString(c.Account) {
		probs.add("%s %q must be a 12-digit AWS account id", KeyAccount, c.Account)
	}
	c.Region = firstSet(ctx[KeyRegion], envRegion)
	if c.Region != "" && !regionPattern.MatchString(c.Region) {
		probs.add("%s %q is not an AWS region name such as us-east-1 or ap-northeast-2", KeyRegion, c.Region)
	}

	parseArchive(ctx, c, &probs)
	parseTrail(ctx, c, &probs)
	var expiryWarnings []string
	c.ExpiresAt, expiryWarnings = parseExpiry(ctx, now, &probs)
	warnings = append(warnings, expiryWarnings...)
	warnings = append(warnings, parseAccess(ctx, c, &probs)...)

	if len(probs) > 0 {
		return nil, warnings, &ContextError{Problems: probs}
	}
	return c, warnings, nil
}

func joinInts(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ", ")
}

// parseArchive reads the log archive's lifecycle and the Athena scan limit.
func parseArchive(ctx map[string]string, c *Config, probs *Problems) {
	transitionOK := false
	if n, ok := parseWhole(ctx, KeyArchiveTransitionDays, &c.ArchiveTransitionDays, "days", probs); ok {
		if n != 0 && (n < MinTransitionDays || n > MaxArchiveDays) {
			probs.add("%s %d must be 0 (objects stay in S3 Standard) or %d to %d days: S3 moves objects to Standard-IA no earlier than %d days after they are written", KeyArchiveTransitionDays, n, MinTransitionDays, MaxArchiveDays, MinTransitionDays)
		} else {
			transitionOK = true
		}
	}
	if n, ok := parseWhole(ctx, KeyArchiveExpireDays, &c.ArchiveExpireDays, "days", probs); ok {
		switch {
		case n < 1 || n > MaxArchiveDays:
			probs.add("%s %d must be 1 to %d days", KeyArchiveExpireDays, n, MaxArchiveDays)
		case transitionOK && c.ArchiveTransitionDays > 0 && n <= c.ArchiveTransitionDays:
			probs.add("%s %d must be more than %s %d, or objects are deleted before they move to Standard-IA; for a short-lived archive set -c %s=0", KeyArchiveExpireDays, n, KeyArchiveTransitionDays, c.ArchiveTransitionDays, KeyArchiveTransitionDays)
		}
	}
	if n, ok := parseWhole(ctx, KeyAthenaScanLimit, &c.AthenaScanLimitMiB, "MiB", probs); ok && (n < MinAthenaScanLimitMiB || n > MaxAthenaScanLimitMiB) {
		probs.add("%s %d must be %d to %d MiB (Athena's smallest cutoff is 10 MB)", KeyAthenaScanLimit, n, MinAthenaScanLimitMiB, MaxAthenaScanLimitMiB)
	}
}

// parseWhole reads a whole-number context value into *dst when key is set,
// and returns the value and whether it is a number at all.
func parseWhole(ctx map[string]string, key string, dst *int, unit string, probs *Problems) (int, bool) {
	raw, set := ctx[key]
	if !set {
		return *dst, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil {
		probs.add("%s %q is not a whole number of %s", key, raw, unit)
		return 0, false
	}
	*dst = n
	return n, true
}

// parseTrail reads the trail switches: reuse an existing trail's log group,
// or add data events to the group's own trail, not both.
func parseTrail(ctx map[string]string, c *Config, probs *Problems) {
	if raw, ok := ctx[KeyExistingTrailLogGroup]; ok {
		v := strings.TrimSpace(raw)
		switch {
		case strings.HasPrefix(v, "arn:"):
			probs.add("%s %q is an ARN; give the log group's name, such as aws-controltower/CloudTrailLogs", KeyExistingTrailLogGroup, v)
		case !logGroupNamePattern.MatchString(v):
			probs.add("%s %q is not a CloudWatch Logs log group name (1 to 512 letters, digits and . - _ / #), such as aws-controltower/CloudTrailLogs", KeyExistingTrailLogGroup, v)
		case strings.HasPrefix(v, LogGroupRoot+"/"+c.Group+"/"):
			probs.add("%s %q is one of this group's own log groups; name the log group of the trail the account already has", KeyExistingTrailLogGroup, v)
		default:
			c.ExistingTrailLogGroup = v
		}
	}
	if raw, ok := ctx[KeyTrailDataEvents]; ok {
		switch v := strings.ToLower(strings.TrimSpace(raw)); v {
		case "true":
			c.TrailDataEvents = true
		case "false":
			c.TrailDataEvents = false
		default:
			probs.add("%s %q must be true or false", KeyTrailDataEvents, raw)
		}
	}
	if c.ExistingTrailLogGroup != "" && c.TrailDataEvents {
		probs.add("%s=true needs the group's own trail, but %s=%s reuses an existing one; drop one of them", KeyTrailDataEvents, KeyExistingTrailLogGroup, c.ExistingTrailLogGroup)
	}
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
	for _, k := range slices.Sorted(maps.Keys(ctx)) {
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
