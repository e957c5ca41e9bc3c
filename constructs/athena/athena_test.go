package athena

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/internal/queries"
	"github.com/seclab/seclab/test/cdktest"
)

var (
	app awscdk.App
	// pinned: defaults, in a stack pinned to an account and region, over a
	// bucket with the logical ID "Archive"; tuned: every prop set.
	pinned, tuned       assertions.Template
	pinnedStack         awscdk.Stack
	pinnedAthena        *Athena
	pinnedRes, tunedRes map[string]map[string]interface{}
)

const account, region = "111122223333", "ap-northeast-2"

func TestMain(m *testing.M) {
	app = cdktest.NewApp()
	env := &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}
	pinnedStack = awscdk.NewStack(app, jsii.String("Pinned"), &awscdk.StackProps{Env: env})
	bucket := awss3.NewBucket(pinnedStack, jsii.String("Archive"), &awss3.BucketProps{EnforceSSL: jsii.Bool(true)})
	pinnedAthena = NewAthena(pinnedStack, "Athena", &AthenaProps{
		Group: jsii.String("seclab"), Participants: jsii.Strings("koo", "lee"), Bucket: bucket,
	})

	tunedStack := awscdk.NewStack(app, jsii.String("Tuned"), &awscdk.StackProps{Env: env})
	tunedBucket := awss3.NewBucket(tunedStack, jsii.String("Archive"), nil)
	q, err := queries.Get("response-codes")
	if err != nil {
		panic(err)
	}
	NewAthena(tunedStack, "Athena", &AthenaProps{
		Group: jsii.String("ahss-4w"), Participants: jsii.Strings("park"), Bucket: tunedBucket,
		ScanLimitMiB: jsii.Number(100), TrailRegions: jsii.Strings("ap-northeast-2", "us-east-1"),
		ProjectionStartDay: jsii.String("2026/11/01"), Queries: &[]queries.Query{q},
	})

	pinned, tuned = cdktest.Template(pinnedStack), cdktest.Template(tunedStack)
	pinnedRes, tunedRes = cdktest.Resources(pinned, ""), cdktest.Resources(tuned, "")
	cdktest.Run(m)
}

// bucketNames maps the archive bucket's logical ID to "Archive" for Render.
func bucketNames(t *testing.T, res map[string]map[string]interface{}) map[string]string {
	return map[string]string{cdktest.LogicalID(t, res, "AWS::S3::Bucket"): "Archive"}
}

func TestWorkGroup(t *testing.T) {
	id, wg := cdktest.Only(t, pinned, "AWS::Athena::WorkGroup")
	assert.Equal(t, "Delete", wg["DeletionPolicy"], id)
	got := cdktest.Render(cdktest.Props(wg), bucketNames(t, pinnedRes))
	assert.Equal(t, map[string]interface{}{
		"Name":                  "seclab-workgroup",
		"Description":           `seclab study group "seclab": queries over its log archive`,
		"RecursiveDeleteOption": true,
		"WorkGroupConfiguration": map[string]interface{}{
			"EnforceWorkGroupConfiguration":   true,
			"PublishCloudWatchMetricsEnabled": true,
			"BytesScannedCutoffPerQuery":      float64(1024 * 1024 * 1024),
			"EngineVersion":                   map[string]interface{}{"SelectedEngineVersion": "Athena engine version 3"},
			"ResultConfiguration": map[string]interface{}{
				"OutputLocation":          "s3://${Archive}/athena-results/",
				"EncryptionConfiguration": map[string]interface{}{"EncryptionOption": "SSE_S3"},
				"ExpectedBucketOwner":     account,
			},
		},
	}, got)
	cdktest.Has(t, tuned, "AWS::Athena::WorkGroup", map[string]interface{}{
		"Name":                   "ahss-4w-workgroup",
		"WorkGroupConfiguration": map[string]interface{}{"BytesScannedCutoffPerQuery": 100 * 1024 * 1024},
	})
}

func TestDatabase(t *testing.T) {
	cdktest.Count(t, pinned, "AWS::Glue::Database", 1)
	cdktest.Has(t, pinned, "AWS::Glue::Database", map[string]interface{}{
		"CatalogId":     account,
		"DatabaseInput": map[string]interface{}{"Name": "security_lab_logs"},
	})
	cdktest.Has(t, tuned, "AWS::Glue::Database", map[string]interface{}{"DatabaseInput": map[string]interface{}{"Name": "security_lab_logs_ahss_4w"}})
	for id, r := range cdktest.Resources(pinned, "AWS::Glue::Database") {
		assert.Equal(t, "Delete", r["DeletionPolicy"], id)
	}
}

// tables returns the rendered TableInput of every Glue table, by name.
func tables(t *testing.T, tpl assertions.Template, res map[string]map[string]interface{}) map[string]map[string]interface{} {
	out := map[string]map[string]interface{}{}
	dbID := cdktest.LogicalID(t, res, "AWS::Glue::Database")
	for id, r := range cdktest.Resources(tpl, "AWS::Glue::Table") {
		p := cdktest.Props(r)
		assert.Equal(t, map[string]interface{}{"Ref": dbID}, p["DatabaseName"], "%s is in the group's database", id)
		assert.Equal(t, account, p["CatalogId"], id)
		assert.Equal(t, "Delete", r["DeletionPolicy"], id)
		in := cdktest.Render(p["TableInput"], bucketNames(t, res)).(map[string]interface{})
		out[in["Name"].(string)] = in
	}
	return out
}

func columns(cs []lab.Column) []interface{} {
	out := make([]interface{}, len(cs))
	for i, c := range cs {
		col := map[string]interface{}{"Name": c.Name, "Type": c.Type}
		if c.Comment != "" {
			col["Comment"] = c.Comment
		}
		out[i] = col
	}
	return out
}

// Every property of every table: SerDe, formats, columns, partition keys,
// projection and location template.
func TestTables(t *testing.T) {
	got := tables(t, pinned, pinnedRes)
	require.Len(t, got, 3)
	const regions = "af-south-1,ap-east-1,ap-east-2,ap-northeast-1,ap-northeast-2,ap-northeast-3,ap-south-1,ap-south-2,ap-southeast-1,ap-southeast-2,ap-southeast-3,ap-southeast-4,ap-southeast-5,ap-southeast-6,ap-southeast-7,ca-central-1,ca-west-1,eu-central-1,eu-central-2,eu-north-1,eu-south-1,eu-south-2,eu-west-1,eu-west-2,eu-west-3,il-central-1,me-central-1,me-south-1,mx-central-1,sa-east-1,us-east-1,us-east-2,us-west-1,us-west-2"
	day := map[string]interface{}{
		"projection.day.type": "date", "projection.day.format": "yyyy/MM/dd", "projection.day.range": "2026/01/01,NOW",
		"projection.day.interval": "1", "projection.day.interval.unit": "DAYS",
	}
	with := func(base map[string]interface{}, extra map[string]interface{}) map[string]interface{} {
		out := map[string]interface{}{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	want := map[string]map[string]interface{}{
		lab.TableAccessLogs: {
			"Name":          lab.TableAccessLogs,
			"TableType":     "EXTERNAL_TABLE",
			"PartitionKeys": columns(lab.AccessLogPartitionKeys),
			"Parameters": map[string]interface{}{
				"EXTERNAL": "TRUE", "classification": "apache-access-log-export", "compressionType": "gzip",
				"projection.enabled":            "true",
				"projection.export_task.type":   "injected",
				"projection.participant.type":   "enum",
				"projection.participant.values": "koo,lee",
				// The write-test object at exports/apache-access-logs/ is
				// outside every partition.
				"storage.location.template": "s3://${Archive}/exports/apache-access-logs/${export_task}/${participant}/",
			},
			"StorageDescriptor": map[string]interface{}{
				"Columns":      columns(lab.AccessLogColumns),
				"Location":     "s3://${Archive}/exports/apache-access-logs/",
				"InputFormat":  "org.apache.hadoop.mapred.TextInputFormat",
				"OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
				"SerdeInfo": map[string]interface{}{
					"SerializationLibrary": "org.apache.hadoop.hive.serde2.RegexSerDe",
					"Parameters":           map[string]interface{}{"input.regex": lab.AccessLogRegex},
				},
			},
		},
		lab.TableCloudTrail: {
			"Name":          lab.TableCloudTrail,
			"TableType":     "EXTERNAL_TABLE",
			"PartitionKeys": columns(lab.CloudTrailPartitionKeys),
			"Parameters": with(day, map[string]interface{}{
				"EXTERNAL": "TRUE", "classification": "cloudtrail",
				"projection.enabled":        "true",
				"projection.region.type":    "enum",
				"projection.region.values":  regions,
				"storage.location.template": "s3://${Archive}/cloudtrail/AWSLogs/111122223333/CloudTrail/${region}/${day}",
			}),
			"StorageDescriptor": map[string]interface{}{
				"Columns":      columns(lab.CloudTrailColumns),
				"Location":     "s3://${Archive}/cloudtrail/AWSLogs/111122223333/CloudTrail/",
				"InputFormat":  "com.amazon.emr.cloudtrail.CloudTrailInputFormat",
				"OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
				"SerdeInfo": map[string]interface{}{
					"SerializationLibrary": "org.apache.hive.hcatalog.data.JsonSerDe",
					"Parameters":           map[string]interface{}{},
				},
			},
		},
		lab.TableFlowLogs: {
			"Name":          lab.TableFlowLogs,
			"TableType":     "EXTERNAL_TABLE",
			"PartitionKeys": columns(lab.FlowLogPartitionKeys),
			"Parameters": with(day, map[string]interface{}{
				"EXTERNAL": "TRUE", "classification": "vpcflowlogs",
				"skip.header.line.count":    "1",
				"projection.enabled":        "true",
				"storage.location.template": "s3://${Archive}/flowlogs/AWSLogs/111122223333/vpcflowlogs/ap-northeast-2/${day}",
			}),
			"StorageDescriptor": map[string]interface{}{
				"Columns":      columns(lab.FlowLogColumns()),
				"Location":     "s3://${Archive}/flowlogs/AWSLogs/111122223333/vpcflowlogs/ap-northeast-2/",
				"InputFormat":  "org.apache.hadoop.mapred.TextInputFormat",
				"OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
				"SerdeInfo": map[string]interface{}{
					"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
					"Parameters":           map[string]interface{}{"field.delim": " ", "serialization.format": " "},
				},
			},
		},
	}
	for name, w := range want {
		g := got[name]
		require.NotNil(t, g, name)
		assert.NotEmpty(t, g["Description"], name)
		delete(g, "Description")
		assert.Equal(t, w, g, name)
	}

	// The tuned table takes the regions, start day and participants given.
	tg := tables(t, tuned, tunedRes)
	assert.Equal(t, "ap-northeast-2,us-east-1", tg[lab.TableCloudTrail]["Parameters"].(map[string]interface{})["projection.region.values"])
	assert.Equal(t, "2026/11/01,NOW", tg[lab.TableFlowLogs]["Parameters"].(map[string]interface{})["projection.day.range"])
	assert.Equal(t, "park", tg[lab.TableAccessLogs]["Parameters"].(map[string]interface{})["projection.participant.values"])
}

// Each projected key is a partition key, and each partition key is
// projected and placed in the location template.
func TestProjectionCoversEveryPartitionKey(t *testing.T) {
	for name, in := range tables(t, pinned, pinnedRes) {
		params := in["Parameters"].(map[string]interface{})
		template := params["storage.location.template"].(string)
		keys := map[string]bool{}
		for _, k := range in["PartitionKeys"].([]interface{}) {
			key := k.(map[string]interface{})["Name"].(string)
			keys[key] = true
			assert.Contains(t, params, "projection."+key+".type", "%s: %s is projected", name, key)
			assert.Contains(t, template, "${"+key+"}", "%s: %s is in the location template", name, key)
		}
		for p := range params {
			if rest, ok := strings.CutPrefix(p, "projection."); ok && rest != "enabled" {
				key := rest[:strings.Index(rest, ".")]
				assert.True(t, keys[key], "%s: projection of %s, which is no partition key", name, key)
			}
		}
		loc := in["StorageDescriptor"].(map[string]interface{})["Location"].(string)
		assert.True(t, strings.HasPrefix(template, loc), "%s: the template %s is under the location %s", name, template, loc)
	}
}

func TestNamedQueries(t *testing.T) {
	all := queries.All()
	nqs := cdktest.Resources(pinned, "AWS::Athena::NamedQuery")
	require.Len(t, nqs, len(all), "one named query per file in assets/sql")
	wgID := cdktest.LogicalID(t, pinnedRes, "AWS::Athena::WorkGroup")
	dbID := cdktest.LogicalID(t, pinnedRes, "AWS::Glue::Database")
	byName := map[string]map[string]interface{}{}
	for _, r := range nqs {
		p := cdktest.Props(r)
		byName[p["Name"].(string)] = p
		assert.Equal(t, map[string]interface{}{"Ref": wgID}, p["WorkGroup"])
		assert.Equal(t, map[string]interface{}{"Ref": dbID}, p["Database"])
	}
	n := queries.Names{Database: "security_lab_logs", AccessTable: lab.TableAccessLogs, TrailTable: lab.TableCloudTrail, FlowTable: lab.TableFlowLogs}
	for _, q := range all {
		p := byName[q.Name]
		require.NotNil(t, p, q.Name)
		text, err := q.Named(n)
		require.NoError(t, err)
		assert.Equal(t, text, p["QueryString"], q.Name)
		assert.Equal(t, strings.Count(text, "?"), len(q.Params), "%s: one ? per parameter", q.Name)
		assert.True(t, strings.HasPrefix(p["Description"].(string), q.Description), q.Name)
		if len(q.Params) > 0 {
			assert.Contains(t, p["Description"], "Parameters, in order: "+strings.Join(q.Params, ", ")+".", q.Name)
		}
		assert.LessOrEqual(t, len(p["Description"].(string)), 1024)
	}
	rc := byName["response-codes"]
	assert.Contains(t, rc["QueryString"], `FROM "security_lab_logs"."security_lab_apache_access_logs"`)
	assert.Contains(t, rc["QueryString"], "WHERE export_task = ?")
	cdktest.Count(t, tuned, "AWS::Athena::NamedQuery", 1)
}

func TestExposedHandles(t *testing.T) {
	assert.Equal(t, "seclab-workgroup", pinnedAthena.WorkGroupName)
	assert.Equal(t, "security_lab_logs", pinnedAthena.DatabaseName)
	assert.Len(t, pinnedAthena.Tables, 3)
	assert.Len(t, pinnedAthena.NamedQueries, len(queries.All()))
	assert.Equal(t, "s3://${Archive}/athena-results/", cdktest.RenderString(pinnedStack.Resolve(pinnedAthena.ResultLocation), bucketNames(t, pinnedRes)))
}

func TestNoUnsuppressedNagFindings(t *testing.T) {
	// Not the test's bare bucket's.
	assert.Empty(t, cdktest.FindingsWithout(cdktest.NagFindings(pinnedStack), "/Archive/"))
}

func TestBadPropsAreAllNamed(t *testing.T) {
	stack := awscdk.NewStack(app, jsii.String("Bad"), nil)
	cdktest.PanicsNaming(t, []string{
		`athena: group name "Bad" must match`,
		`athena: Participants entry "Koo!" is not a valid participant name`,
		`athena: participant "lee" is listed twice`,
		"athena: Bucket (the log archive) is required",
		"athena: ScanLimitMiB 5 must be a whole number from 10 to 1048576",
		"athena: TrailRegions needs at least one region",
		`athena: ProjectionStartDay "2026-01-01" must be a day such as 2026/01/01 (yyyy/MM/dd)`,
	}, func() {
		NewAthena(stack, "Athena", &AthenaProps{
			Group: jsii.String("Bad"), Participants: jsii.Strings("Koo!", "lee", "lee"),
			ScanLimitMiB: jsii.Number(5), TrailRegions: &[]*string{}, ProjectionStartDay: jsii.String("2026-01-01"),
		})
	})
}

func TestRequiredProps(t *testing.T) {
	stack := awscdk.NewStack(app, jsii.String("Empty"), nil)
	cdktest.PanicsNaming(t, []string{"athena: Group is required", "athena: Participants needs at least one participant", "athena: Bucket (the log archive) is required"}, func() {
		NewAthena(stack, "Athena", nil)
	})
}

func TestPascal(t *testing.T) {
	assert.Equal(t, "ResponseCodes", pascal("response-codes"))
	assert.Equal(t, "ApiChanges24h", pascal("api-changes-24h"))
	assert.Equal(t, "VerifyFlowRejects", pascal("verify-flow_rejects"))
}
