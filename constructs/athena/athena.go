// Package athena is the study group's log analysis: an Athena workgroup
// whose results go to the log archive, a Glue database with tables over the
// archive's Apache access log exports, CloudTrail files and VPC flow logs
// (partition projection, so no crawler and no ALTER TABLE ADD PARTITION),
// and one saved (named) query per file in assets/sql.
package athena

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsathena"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsglue"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/internal/queries"
)

// AthenaProps configures an Athena.
type AthenaProps struct {
	// Group is the study group; it names the workgroup and the database.
	// Required.
	Group *string
	// Participants of the group: the access-log table's participant
	// partitions. Required, at least one.
	Participants *[]*string
	// Bucket is the log archive (logarchive.LogArchive.Bucket). Required.
	Bucket awss3.IBucket
	// ScanLimitMiB cancels a query of the workgroup that scans more.
	// Default: lab.DefaultAthenaScanLimitMiB (1024).
	ScanLimitMiB *float64
	// TrailRegions are the regions the trail table projects.
	// Default: lab.TrailRegions.
	TrailRegions *[]*string
	// ProjectionStartDay is the first day (yyyy/MM/dd) the date projections
	// enumerate. Default: lab.ProjectionStartDay.
	ProjectionStartDay *string
	// Queries become the workgroup's named queries. Default: queries.All().
	Queries *[]queries.Query
}

// Athena is the group's workgroup, database, tables and named queries.
type Athena struct {
	constructs.Construct
	WorkGroup awsathena.CfnWorkGroup
	Database  awsglue.CfnDatabase
	// Tables by name: lab.TableAccessLogs, lab.TableCloudTrail, lab.TableFlowLogs.
	Tables map[string]awsglue.CfnTable
	// NamedQueries by query name.
	NamedQueries map[string]awsathena.CfnNamedQuery
	// WorkGroupName and DatabaseName are plain strings (lab's names).
	WorkGroupName, DatabaseName string
	// ResultLocation is s3://<archive>/athena-results/.
	ResultLocation *string
}

// Names of the workgroup's engine and of its encryption, as Athena spells them.
const (
	EngineVersion    = "Athena engine version 3"
	ResultEncryption = "SSE_S3"
)

// NewAthena creates the workgroup, database, tables and named queries. It
// panics with every problem of props at once.
func NewAthena(scope constructs.Construct, id string, props *AthenaProps) *Athena {
	p := withDefaults(props)
	this := constructs.NewConstruct(scope, &id)
	stack := awscdk.Stack_Of(this)
	a := &Athena{
		Construct:      this,
		WorkGroupName:  lab.AthenaWorkGroup(p.group),
		DatabaseName:   lab.GlueDatabase(p.group),
		ResultLocation: p.bucket.S3UrlForObject(jsii.String(lab.PrefixAthena)),
		Tables:         map[string]awsglue.CfnTable{},
		NamedQueries:   map[string]awsathena.CfnNamedQuery{},
	}

	a.WorkGroup = awsathena.NewCfnWorkGroup(this, jsii.String("WorkGroup"), &awsathena.CfnWorkGroupProps{
		Name:        jsii.String(a.WorkGroupName),
		Description: jsii.String(fmt.Sprintf("seclab study group %q: queries over its log archive", p.group)),
		// The workgroup keeps query history; without this, deleting it fails.
		RecursiveDeleteOption: jsii.Bool(true),
		WorkGroupConfiguration: &awsathena.CfnWorkGroup_WorkGroupConfigurationProperty{
			// Participants cannot send results elsewhere or unencrypted.
			EnforceWorkGroupConfiguration:   jsii.Bool(true),
			PublishCloudWatchMetricsEnabled: jsii.Bool(true),
			BytesScannedCutoffPerQuery:      jsii.Number(p.scanLimitMiB * 1024 * 1024),
			EngineVersion:                   &awsathena.CfnWorkGroup_EngineVersionProperty{SelectedEngineVersion: jsii.String(EngineVersion)},
			ResultConfiguration: &awsathena.CfnWorkGroup_ResultConfigurationProperty{
				OutputLocation:          a.ResultLocation,
				EncryptionConfiguration: &awsathena.CfnWorkGroup_EncryptionConfigurationProperty{EncryptionOption: jsii.String(ResultEncryption)},
				ExpectedBucketOwner:     stack.Account(),
			},
		},
	})
	a.WorkGroup.ApplyRemovalPolicy(awscdk.RemovalPolicy_DESTROY, nil)

	a.Database = awsglue.NewCfnDatabase(this, jsii.String("Database"), &awsglue.CfnDatabaseProps{
		CatalogId: stack.Account(),
		DatabaseInput: &awsglue.CfnDatabase_DatabaseInputProperty{
			Name:        jsii.String(a.DatabaseName),
			Description: jsii.String(fmt.Sprintf("seclab study group %q: Apache access log exports, CloudTrail and VPC flow logs in its archive", p.group)),
		},
	})
	a.Database.ApplyRemovalPolicy(awscdk.RemovalPolicy_DESTROY, nil)

	for _, t := range Tables(p.bucket, stack.Account(), stack.Region(), p.participants, p.trailRegions, p.start) {
		table := awsglue.NewCfnTable(this, jsii.String(t.ID), &awsglue.CfnTableProps{
			CatalogId:    stack.Account(),
			DatabaseName: a.Database.Ref(),
			TableInput:   t.input(),
		})
		table.ApplyRemovalPolicy(awscdk.RemovalPolicy_DESTROY, nil)
		a.Tables[t.Name] = table
	}

	names := queries.Names{Database: a.DatabaseName, AccessTable: lab.TableAccessLogs, TrailTable: lab.TableCloudTrail, FlowTable: lab.TableFlowLogs}
	for _, q := range p.queries {
		text, err := q.Named(names)
		if err != nil {
			panic(fmt.Sprintf("athena: %v", err))
		}
		nq := awsathena.NewCfnNamedQuery(this, jsii.String("Query"+pascal(q.Name)), &awsathena.CfnNamedQueryProps{
			Name:        jsii.String(q.Name),
			Description: jsii.String(describe(q)),
			Database:    a.Database.Ref(),
			WorkGroup:   a.WorkGroup.Ref(),
			QueryString: jsii.String(text),
		})
		a.NamedQueries[q.Name] = nq
	}
	return a
}

// describe is a named query's description: the question it answers and
// the values its "?"s take, which the console asks for when it runs.
func describe(q queries.Query) string {
	d := q.Description
	if len(q.Params) > 0 {
		d += " Parameters, in order: " + strings.Join(q.Params, ", ") + "."
	}
	if len(d) > 1024 {
		d = d[:1021] + "..."
	}
	return d
}

// pascal turns a query file name into a construct ID part:
// "response-codes" -> "ResponseCodes".
func pascal(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// Table is one Glue table over the archive, as data.
type Table struct {
	// ID is the construct ID (frozen once deployed).
	ID, Name, Description  string
	Columns, PartitionKeys []lab.Column
	// Location is the table's root; with projection on, Athena reads the
	// partitions storage.location.template names, not everything below it.
	Location                                        *string
	SerializationLibrary, InputFormat, OutputFormat string
	SerdeParameters                                 map[string]string
	// Parameters are the table properties: projection, header, compression.
	Parameters map[string]interface{}
}

// Tables returns the group's three tables over bucket. account and region
// may be tokens (environment-agnostic stacks).
func Tables(bucket awss3.IBucket, account, region *string, participants, trailRegions []string, start string) []Table {
	url := func(path string) *string { return bucket.S3UrlForObject(jsii.String(path)) }
	accessRoot := lab.ExportPrefix(lab.LogApacheAccess) + "/"
	trailRoot := lab.PrefixCloudTrail + "AWSLogs/" + *account + "/CloudTrail/"
	flowRoot := lab.PrefixFlowLogs + "AWSLogs/" + *account + "/vpcflowlogs/" + *region + "/"
	day := func(params map[string]interface{}) map[string]interface{} {
		params["projection.day.type"] = "date"
		params["projection.day.format"] = "yyyy/MM/dd"
		params["projection.day.range"] = start + ",NOW"
		params["projection.day.interval"] = "1"
		params["projection.day.interval.unit"] = "DAYS"
		return params
	}
	return []Table{{
		ID:   "AccessLogTable",
		Name: lab.TableAccessLogs,
		Description: "Apache access logs of every participant's web server, from CloudWatch Logs exports of the group's access log group; " +
			"name the export: WHERE export_task = '<task id>'",
		Columns: lab.AccessLogColumns, PartitionKeys: lab.AccessLogPartitionKeys,
		Location:             url(accessRoot),
		SerializationLibrary: lab.SerdeRegex, InputFormat: lab.InputText, OutputFormat: lab.OutputIgnoreKeys,
		SerdeParameters: map[string]string{"input.regex": lab.AccessLogRegex},
		Parameters: map[string]interface{}{
			"classification":                "apache-access-log-export",
			"compressionType":               "gzip",
			"projection.enabled":            "true",
			"projection.export_task.type":   "injected",
			"projection.participant.type":   "enum",
			"projection.participant.values": strings.Join(participants, ","),
			"storage.location.template":     *url(accessRoot + "${export_task}/${participant}/"),
		},
	}, {
		ID:          "CloudTrailTable",
		Name:        lab.TableCloudTrail,
		Description: "CloudTrail management events of the group's multi-region trail; constrain day (yyyy/MM/dd), region is optional",
		Columns:     lab.CloudTrailColumns, PartitionKeys: lab.CloudTrailPartitionKeys,
		Location:             url(trailRoot),
		SerializationLibrary: lab.SerdeHiveJSON, InputFormat: lab.InputCloudTrail, OutputFormat: lab.OutputIgnoreKeys,
		SerdeParameters: map[string]string{},
		Parameters: day(map[string]interface{}{
			"classification":            "cloudtrail",
			"projection.enabled":        "true",
			"projection.region.type":    "enum",
			"projection.region.values":  strings.Join(trailRegions, ","),
			"storage.location.template": *url(trailRoot + "${region}/${day}"),
		}),
	}, {
		ID:          "FlowLogTable",
		Name:        lab.TableFlowLogs,
		Description: "VPC flow logs of the group's VPC in the format lab.FlowLogFormat; constrain day (yyyy/MM/dd)",
		Columns:     lab.FlowLogColumns(), PartitionKeys: lab.FlowLogPartitionKeys,
		Location:             url(flowRoot),
		SerializationLibrary: lab.SerdeLazySimple, InputFormat: lab.InputText, OutputFormat: lab.OutputIgnoreKeys,
		SerdeParameters: map[string]string{"field.delim": " ", "serialization.format": " "},
		Parameters: day(map[string]interface{}{
			"classification":            "vpcflowlogs",
			"skip.header.line.count":    "1",
			"projection.enabled":        "true",
			"storage.location.template": *url(flowRoot + "${day}"),
		}),
	}}
}

func (t Table) input() *awsglue.CfnTable_TableInputProperty {
	cols := func(cs []lab.Column) *[]*awsglue.CfnTable_ColumnProperty {
		out := make([]*awsglue.CfnTable_ColumnProperty, len(cs))
		for i, c := range cs {
			out[i] = &awsglue.CfnTable_ColumnProperty{Name: jsii.String(c.Name), Type: jsii.String(c.Type)}
			if c.Comment != "" {
				out[i].Comment = jsii.String(c.Comment)
			}
		}
		return &out
	}
	serde := map[string]interface{}{}
	for k, v := range t.SerdeParameters {
		serde[k] = v
	}
	params := map[string]interface{}{"EXTERNAL": "TRUE"}
	for k, v := range t.Parameters {
		params[k] = v
	}
	return &awsglue.CfnTable_TableInputProperty{
		Name:          jsii.String(t.Name),
		Description:   jsii.String(t.Description),
		TableType:     jsii.String("EXTERNAL_TABLE"),
		Parameters:    params,
		PartitionKeys: cols(t.PartitionKeys),
		StorageDescriptor: &awsglue.CfnTable_StorageDescriptorProperty{
			Columns:      cols(t.Columns),
			Location:     t.Location,
			InputFormat:  jsii.String(t.InputFormat),
			OutputFormat: jsii.String(t.OutputFormat),
			SerdeInfo: &awsglue.CfnTable_SerdeInfoProperty{
				SerializationLibrary: jsii.String(t.SerializationLibrary),
				Parameters:           serde,
			},
		},
	}
}

type settings struct {
	group                      string
	participants, trailRegions []string
	bucket                     awss3.IBucket
	scanLimitMiB               float64
	start                      string
	queries                    []queries.Query
}

func withDefaults(props *AthenaProps) settings {
	var probs lab.Problems
	if props == nil {
		props = &AthenaProps{}
	}
	s := settings{scanLimitMiB: lab.DefaultAthenaScanLimitMiB, trailRegions: lab.TrailRegions, start: lab.ProjectionStartDay, bucket: props.Bucket}
	if props.Group == nil {
		probs = append(probs, "athena: Group is required")
	} else if err := lab.ValidGroupName(*props.Group); err != nil {
		probs = append(probs, "athena: "+err.Error())
	} else {
		s.group = *props.Group
	}
	if props.Participants == nil || len(*props.Participants) == 0 {
		probs = append(probs, "athena: Participants needs at least one participant")
	} else {
		seen := map[string]bool{}
		for _, p := range *props.Participants {
			switch {
			case p == nil || lab.ValidParticipantName(*p) != nil:
				probs = append(probs, fmt.Sprintf("athena: Participants entry %q is not a valid participant name", lab.Deref(p)))
			case seen[*p]:
				probs = append(probs, fmt.Sprintf("athena: participant %q is listed twice", *p))
			default:
				seen[*p] = true
				s.participants = append(s.participants, *p)
			}
		}
	}
	if props.Bucket == nil {
		probs = append(probs, "athena: Bucket (the log archive) is required")
	}
	if props.ScanLimitMiB != nil {
		s.scanLimitMiB = *props.ScanLimitMiB
		if s.scanLimitMiB != float64(int(s.scanLimitMiB)) || s.scanLimitMiB < lab.MinAthenaScanLimitMiB || s.scanLimitMiB > lab.MaxAthenaScanLimitMiB {
			probs = append(probs, fmt.Sprintf("athena: ScanLimitMiB %v must be a whole number from %d to %d", s.scanLimitMiB, lab.MinAthenaScanLimitMiB, lab.MaxAthenaScanLimitMiB))
		}
	}
	if props.TrailRegions != nil {
		s.trailRegions = nil
		for _, r := range *props.TrailRegions {
			s.trailRegions = append(s.trailRegions, lab.Deref(r))
		}
		if len(s.trailRegions) == 0 {
			probs = append(probs, "athena: TrailRegions needs at least one region")
		}
	}
	if props.ProjectionStartDay != nil {
		s.start = *props.ProjectionStartDay
		if !dayPattern(s.start) {
			probs = append(probs, fmt.Sprintf("athena: ProjectionStartDay %q must be a day such as 2026/01/01 (yyyy/MM/dd)", s.start))
		}
	}
	if props.Queries != nil {
		s.queries = *props.Queries
	} else {
		s.queries = queries.All()
	}
	seenQuery := map[string]bool{}
	for _, q := range s.queries {
		if seenQuery[pascal(q.Name)] {
			probs = append(probs, fmt.Sprintf("athena: two queries named like %q", q.Name))
		}
		seenQuery[pascal(q.Name)] = true
	}
	if len(probs) > 0 {
		panic(probs)
	}
	return s
}

func dayPattern(s string) bool {
	if len(s) != 10 || s[4] != '/' || s[7] != '/' {
		return false
	}
	for i, r := range s {
		if i != 4 && i != 7 && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}
