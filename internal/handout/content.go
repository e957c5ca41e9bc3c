package handout

import (
	"fmt"
	"strings"

	"github.com/seclab/seclab/internal/lab"
)

// A sheet is a list of sections, each a list of blocks; the renderers turn
// them into Markdown or HTML. Text uses two inline marks of Markdown, which
// the HTML renderer translates: `code` and [label](https://…).
type Section struct {
	Title  string
	Blocks []Block
}

// Block is a paragraph, a code block or a two-column table.
type Block struct {
	Para  string
	Code  string
	Table [][2]string
}

func para(format string, args ...any) Block { return Block{Para: fmt.Sprintf(format, args...)} }
func code(lines ...string) Block            { return Block{Code: strings.Join(lines, "\n")} }

// partition is the ARN partition of a region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// Sections are one participant's sheet.
func (h *Handout) Sections(s Sheet) []Section {
	cli := h.cli(s)
	var out []Section
	out = append(out, h.signIn(s))
	mine := Section{Title: "Your lab", Blocks: []Block{{Table: [][2]string{
		{"Web server (instance)", "`" + s.InstanceID + "`"},
		{"Web site", "[" + s.WebURL + "](" + s.WebURL + ")"},
		{"Shell on it", "`aws ssm start-session --target " + s.InstanceID + cli + "`"},
		{"Your log stream", "`" + s.LogStream + "` in each of the group's log groups"},
		{"Athena", "workgroup `" + h.WorkGroup + "`, database `" + h.Database + "`"},
		{"Dashboard", "CloudWatch → Dashboards → `" + h.Dashboard + "`"},
	}}}}
	if h.ExpiresAt != "" {
		mine.Blocks = append(mine.Blocks, para("The lab deletes itself at %s (UTC): save what you want to keep before then.", h.ExpiresAt))
	}
	out = append(out, mine)
	out = append(out, h.tasks(s, cli)...)
	out = append(out, Section{Title: "The alarms will see you", Blocks: []Block{
		para("The group's trail feeds the 14 CIS alarms, and two of them are about you: a console sign-in without MFA (`ConsoleSigninWithoutMFA`, CloudWatch.3) and a call that AWS refuses (`UnauthorizedAPICalls`, CloudWatch.2)."),
		para("Sign in without MFA, or open a console page that asks for more than the lab lets you do (other participants' servers, IAM, billing), and the alarm fires and e-mails the instructor. That is part of the lesson: find your own sign-in and your refused calls in CloudTrail's event history and on the dashboard `%s`.", h.Dashboard),
	}})
	return out
}

func (h *Handout) signIn(s Sheet) Section {
	sec := Section{Title: "Signing in"}
	switch h.Access {
	case lab.AccessIAMUsers:
		sec.Blocks = []Block{
			{Table: [][2]string{
				{"Sign-in page", "[" + h.SignInURL() + "](" + h.SignInURL() + ")"},
				{"IAM user", "`" + s.UserName + "`"},
				{"Region", "`" + h.Region + "`"},
			}},
			para("Your instructor gives you your initial password. At the first sign-in the console asks you for a new one, which must meet the account's password rules."),
			para("Add MFA (recommended): your name at the top right → Security credentials → Assign MFA device → Authenticator app. Name the device exactly `%s`; any other name is refused.", s.UserName),
			para("The `aws` commands below run in CloudShell (the `>_` icon at the top of the console), signed in as you."),
			para("For the instructor: the initial password is the secret `%s`; read it with", lab.PasswordSecretName(h.Group, s.Name)),
			code("aws secretsmanager get-secret-value --secret-id " + s.PasswordSecretArn + " --query SecretString --output text --region " + h.Region),
		}
	case lab.AccessRoles:
		sec.Blocks = []Block{{Table: [][2]string{
			{"Role", "`" + s.RoleName + "` in account `" + h.Account + "`"},
			{"Assumed from", "your own account `" + s.TrustedAccount + "`: its administrators let you call `sts:AssumeRole` on the role"},
			{"Region", "`" + h.Region + "`"},
		}}}
		if s.ExternalID != "" {
			sec.Blocks = append(sec.Blocks,
				para("The role asks for the external id `%s` (a guard against a confused deputy, not a secret). The console's Switch Role cannot send an external id, so use the AWS CLI with this profile in `~/.aws/config`:", s.ExternalID),
				code(h.Profile(s)),
				para("Check it with `aws sts get-caller-identity --profile %s`. For the console, ask the instructor to deploy with `-c roleExternalId=false`; Switch Role then works with [this link](%s).", s.RoleName, h.SwitchRoleURL(s)),
			)
		} else {
			sec.Blocks = append(sec.Blocks,
				para("Sign in to your own account, then switch to the lab with [Switch Role](%s) (account `%s`, role `%s`).", h.SwitchRoleURL(s), h.Account, s.RoleName),
				para("For the AWS CLI, add this profile to `~/.aws/config`:"),
				code(h.Profile(s)),
			)
		}
	default:
		sec.Blocks = []Block{para("This group was deployed without participant access (`participantAccess=%s`): the instructor tells you how to sign in to account `%s` (region `%s`).", h.Access, h.Account, h.Region)}
	}
	return sec
}

// tasks maps the original lab's tasks 2 to 9 (seeds/000) to this lab.
func (h *Handout) tasks(s Sheet, cli string) []Section {
	var private []string
	for _, lg := range h.LogGroups {
		if !lg.Shared {
			private = append(private, "`"+lg.Name+"`")
		}
	}
	site := strings.TrimSuffix(s.WebURL, "/")
	return []Section{
		{Title: "Task 2: a shell without SSH (Session Manager)", Blocks: []Block{
			para("Systems Manager → Session Manager → Start session → your instance `%s`, or from CloudShell or your own machine with the Session Manager plugin:", s.InstanceID),
			code("aws ssm start-session --target " + s.InstanceID + cli),
			para("Why no SSH: EC2 → Instances → `%s` shows no key pair, and its security group lets in port 80 only. Only your own instance accepts you; anyone else's refuses.", s.InstanceID),
		}},
		{Title: "Task 3: the CloudWatch agent is installed", Blocks: []Block{
			para("Nothing to click: State Manager association `%s` ran `AWS-ConfigureAWSPackage` on your instance (Systems Manager → State Manager). In your session:", s.InstallAssociation),
			code("rpm -q amazon-cloudwatch-agent"),
		}},
		{Title: "Task 4: the agent's config in Parameter Store", Blocks: []Block{
			para("Your agent reads its config from the parameter `%s`:", s.AgentParameter),
			code("aws ssm get-parameter --name " + s.AgentParameter + " --query Parameter.Value --output text" + cli),
		}},
		{Title: "Task 5: the agent is running", Blocks: []Block{
			para("Association `%s` ran `AmazonCloudWatch-ManageAgent` with that parameter. In your session:", s.ConfigureAssociation),
			code("sudo systemctl status amazon-cloudwatch-agent"),
		}},
		{Title: "Task 6: make some logs", Blocks: []Block{
			para("Visit your site from an address the lab admits (the instructor's `allowedCidr`), and ask for pages that do not exist:"),
			code("while true; do curl -s "+s.WebURL+" ; sleep 5; date; done", "curl -s "+site+"/example"),
		}},
		{Title: "Task 7: your logs in CloudWatch", Blocks: []Block{
			para("The access log is `%s`, one stream per participant; yours is `%s`. CloudWatch → Live Tail → that log group, stream `%s`, or:", h.AccessLogGroup, s.LogStream, s.LogStream),
			code("aws logs start-live-tail --log-group-identifiers "+h.LogGroupArn(h.AccessLogGroup)+" --log-stream-names "+s.LogStream+cli,
				"aws logs get-log-events --log-group-name "+h.AccessLogGroup+" --log-stream-name "+s.LogStream+" --limit 20"+cli),
			para("The access log is shared by the group: it is exported for everyone and read with Athena. In the other log groups (%s) you read your own stream only.", strings.Join(private, ", ")),
		}},
		{Title: "Task 8: the logs in S3", Blocks: []Block{
			para("CloudWatch Logs runs one export task per account at a time, so the instructor exports the whole group's access log at once (`seclab export`). The exports land under `s3://%s/%s/<task id>/<participant>/`:", h.Bucket, h.ExportPrefix),
			code("aws s3 ls s3://" + h.Bucket + "/" + h.ExportPrefix + "/ --recursive --human-readable" + cli),
		}},
		{Title: "Task 9: query the logs with Athena", Blocks: []Block{
			para("Athena → Query editor → workgroup `%s` (it writes results to `%s`), database `%s`. The saved query `response-codes` asks for the export's task id; or:", h.WorkGroup, h.ResultLocation, h.Database),
			code(fmt.Sprintf("SELECT response_code, count(*) AS requests\nFROM \"%s\".\"%s\"\nWHERE export_task = '<task id>' AND participant = '%s'\nGROUP BY response_code\nORDER BY requests DESC", h.Database, h.AccessTable, s.Name)),
			para("The trail (`%s`) and the flow logs (`%s`) are tables too; constrain `day` (`yyyy/MM/dd`) in your queries.", h.TrailTable, h.FlowTable),
		}},
	}
}
