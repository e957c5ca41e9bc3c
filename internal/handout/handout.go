// Package handout writes what each participant of a study group needs on the
// day: how to sign in, their web server and how to reach it, their log
// streams, the Athena workgroup and database, and the lab's steps (seeds/000
// tasks 2 to 9) mapped to this lab's resources. It renders Markdown or a
// self-contained HTML page from the stacks' outputs and never contains a
// password: it says where the instructor reads the initial one.
package handout

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/seclab/seclab/internal/discover"
	"github.com/seclab/seclab/internal/lab"
)

// Handout is everything the sheets say, for every selected participant.
type Handout struct {
	Group  string `json:"group"`
	Region string `json:"region"`
	// Account is the lab's account id; SignInAccount is what the sign-in
	// URL names: the account's alias when given, else the id.
	Account       string `json:"account"`
	SignInAccount string `json:"signInAccount"`
	// Access is the group's participantAccess mode.
	Access    string `json:"access"`
	ExpiresAt string `json:"expiresAt,omitempty"`

	WorkGroup      string `json:"workGroup"`
	ResultLocation string `json:"resultLocation"`
	Database       string `json:"database"`
	AccessTable    string `json:"accessTable"`
	TrailTable     string `json:"trailTable"`
	FlowTable      string `json:"flowTable"`
	Bucket         string `json:"bucket"`
	ExportPrefix   string `json:"exportPrefix"`
	Dashboard      string `json:"dashboard"`
	// AccessLogGroup is the group's access-log group; LogGroups are all the
	// group's agent log groups by kind, in the lab's order.
	AccessLogGroup string     `json:"accessLogGroup"`
	LogGroups      []LogGroup `json:"logGroups"`

	Participants []Sheet `json:"participants"`
}

// LogGroup is one of the group's agent log groups.
type LogGroup struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Shared log groups can be searched and tailed as a whole; in the others
	// a participant reads their own stream only.
	Shared bool `json:"shared"`
}

// Sheet is one participant's page.
type Sheet struct {
	Name                 string `json:"name"`
	InstanceID           string `json:"instanceId"`
	WebURL               string `json:"webUrl"`
	PublicIP             string `json:"publicIp"`
	LogStream            string `json:"logStream"`
	AgentParameter       string `json:"agentParameter"`
	InstallAssociation   string `json:"installAssociation"`
	ConfigureAssociation string `json:"configureAssociation"`
	// IAM users.
	UserName          string `json:"userName,omitempty"`
	PasswordSecretArn string `json:"passwordSecretArn,omitempty"`
	// Roles.
	RoleName       string `json:"roleName,omitempty"`
	RoleArn        string `json:"roleArn,omitempty"`
	ExternalID     string `json:"externalId,omitempty"`
	TrustedAccount string `json:"trustedAccount,omitempty"`
}

// New builds the handout of the selected participants from a discovered
// lab. alias, when not empty, is the account's sign-in alias. Stacks that
// lack an output the handout needs give a *discover.MissingOutputsError.
func New(l *discover.Lab, sel []discover.Participant, region, alias string) (*Handout, error) {
	g := l.Group
	need := []string{lab.OutAccountID, lab.OutParticipantAccess, lab.OutAthenaWorkGroup, lab.OutGlueDatabase, lab.OutAccessLogTable,
		lab.OutArchiveBucket, lab.OutAccessExportPrefix, lab.OutDashboardName, lab.OutLogGroup(lab.LogApacheAccess)}
	if err := g.Outputs.Require(need...); err != nil {
		return nil, err
	}
	h := &Handout{
		Group: g.Name, Region: region, Account: g.AccountID, SignInAccount: g.AccountID, Access: g.ParticipantAccess,
		WorkGroup: g.AthenaWorkGroup, ResultLocation: g.AthenaResultLocation, Database: g.GlueDatabase,
		AccessTable: g.AccessLogTable, TrailTable: g.CloudTrailTable, FlowTable: g.FlowLogTable,
		Bucket: g.ArchiveBucket, ExportPrefix: g.AccessLogExportPrefix, Dashboard: g.DashboardName,
		AccessLogGroup: g.LogGroups[lab.LogApacheAccess],
	}
	if g.ExpiresAt != lab.ExpiresNever {
		h.ExpiresAt = g.ExpiresAt
	}
	if alias != "" {
		h.SignInAccount = alias
	}
	for _, kind := range lab.LogKinds {
		if name := g.LogGroups[kind]; name != "" {
			h.LogGroups = append(h.LogGroups, LogGroup{Kind: kind, Name: name, Shared: kind == lab.LogApacheAccess})
		}
	}
	for _, p := range sel {
		keys := []string{lab.OutInstanceID, lab.OutWebURL}
		switch h.Access {
		case lab.AccessIAMUsers:
			keys = append(keys, lab.UserOutputs...)
		case lab.AccessRoles:
			keys = append(keys, lab.RoleOutputs...)
		}
		if err := p.Outputs.Require(keys...); err != nil {
			return nil, err
		}
		s := Sheet{
			Name: p.Name, InstanceID: p.InstanceID, WebURL: p.WebURL, PublicIP: p.PublicIP, LogStream: p.LogStream,
			AgentParameter: p.AgentConfigParameter, InstallAssociation: p.AgentInstallAssociationID, ConfigureAssociation: p.AgentConfigureAssociationID,
			UserName: p.UserName, PasswordSecretArn: p.PasswordSecretArn,
			RoleName: p.RoleName, RoleArn: p.RoleArn, TrustedAccount: p.TrustedAccount,
		}
		if p.ExternalID != lab.NoValue {
			s.ExternalID = p.ExternalID
		}
		h.Participants = append(h.Participants, s)
	}
	return h, nil
}

// signInHost is the console's sign-in host in the lab's partition.
func (h *Handout) signInHost() string {
	switch partition(h.Region) {
	case "aws-cn":
		return "signin.amazonaws.cn"
	case "aws-us-gov":
		return "signin.amazonaws-us-gov.com"
	}
	return "signin.aws.amazon.com"
}

// SignInURL is the account's console sign-in page.
func (h *Handout) SignInURL() string {
	return "https://" + h.SignInAccount + "." + h.signInHost() + "/console"
}

// SwitchRoleURL is the console's Switch Role link for a participant's role.
func (h *Handout) SwitchRoleURL(s Sheet) string {
	v := url.Values{}
	v.Set("account", h.Account)
	v.Set("roleName", s.RoleName)
	v.Set("displayName", s.RoleName)
	return "https://" + h.signInHost() + "/switchrole?" + v.Encode()
}

// Profile is the participant's AWS CLI profile for their role, for
// ~/.aws/config.
func (h *Handout) Profile(s Sheet) string {
	lines := []string{
		"[profile " + s.RoleName + "]",
		"role_arn = " + s.RoleArn,
		"source_profile = <your profile in account " + s.TrustedAccount + ">",
		"role_session_name = " + s.Name,
		fmt.Sprintf("duration_seconds = %d", lab.RoleMaxSessionHours*3600),
		"region = " + h.Region,
	}
	if s.ExternalID != "" {
		lines = append(lines, "external_id = "+s.ExternalID)
	}
	return strings.Join(lines, "\n")
}

// cli is how a participant's aws commands name their credentials.
func (h *Handout) cli(s Sheet) string {
	if h.Access == lab.AccessRoles {
		return " --profile " + s.RoleName + " --region " + h.Region
	}
	return " --region " + h.Region
}

// LogGroupArn is a log group's ARN, as Live Tail takes it.
func (h *Handout) LogGroupArn(name string) string {
	return "arn:" + partition(h.Region) + ":logs:" + h.Region + ":" + h.Account + ":log-group:" + name
}
