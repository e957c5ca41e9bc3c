package awsfake

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/test/trailsamples"
)

func trailClient(f *Fakes, region string) *cloudtrail.Client {
	cfg := noRetry(f.Config())
	cfg.Region = region
	return cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) { o.BaseEndpoint = aws.String(f.CloudTrail.URL) })
}

func TestCloudTrailLookupEventsPaginatesFiltersAndErrs(t *testing.T) {
	f := Start(t)
	f.CloudTrail.PageSize = 2
	f.CloudTrail.Rate = -1
	now := time.Now().UTC()
	key := "AKIAIOSFODNN7EXAMPLE"
	for i := range 5 {
		f.CloudTrail.MustPut(TrailRecord(trailsamples.Get("stop-instances.json"), now.Add(-time.Duration(i)*time.Hour),
			map[string]any{"awsRegion": "ap-northeast-2", "userIdentity.accessKeyId": key}))
	}
	f.CloudTrail.MustPut(
		TrailRecord(trailsamples.Get("create-user.json"), now.Add(-time.Minute), nil),
		// Data events and events older than 90 days are not in the history.
		TrailRecord(trailsamples.Get("get-object-data-event.json"), now.Add(-time.Minute), map[string]any{"userIdentity.accessKeyId": key}),
		TrailRecord(trailsamples.Get("stop-instances.json"), now.Add(-91*24*time.Hour), map[string]any{"awsRegion": "ap-northeast-2", "userIdentity.accessKeyId": key}),
	)
	c := trailClient(f, "ap-northeast-2")
	ctx := context.Background()
	in := &cloudtrail.LookupEventsInput{LookupAttributes: []types.LookupAttribute{{AttributeKey: types.LookupAttributeKeyAccessKeyId, AttributeValue: aws.String(key)}}}
	var got []types.Event
	p := cloudtrail.NewLookupEventsPaginator(c, in)
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		require.NoError(t, err)
		pages++
		got = append(got, out.Events...)
	}
	assert.Equal(t, 3, pages)
	require.Len(t, got, 5)
	for i, e := range got {
		assert.Equal(t, "StopInstances", aws.ToString(e.EventName))
		assert.Equal(t, key, aws.ToString(e.AccessKeyId))
		assert.Equal(t, "Alice", aws.ToString(e.Username))
		assert.Equal(t, "false", aws.ToString(e.ReadOnly))
		assert.Contains(t, aws.ToString(e.CloudTrailEvent), `"eventName":"StopInstances"`)
		assert.WithinDuration(t, now.Add(-time.Duration(i)*time.Hour), aws.ToTime(e.EventTime), time.Second, "newest first")
		assert.Contains(t, e.Resources, types.Resource{ResourceType: aws.String("AWS::EC2::Instance"), ResourceName: aws.String("i-abcdefg01234567890")})
	}
	// IAM events are in us-east-1's history, not in the lab's region.
	out, err := c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []types.LookupAttribute{{AttributeKey: types.LookupAttributeKeyEventSource, AttributeValue: aws.String("iam.amazonaws.com")}}})
	require.NoError(t, err)
	assert.Empty(t, out.Events)
	out, err = trailClient(f, "us-east-1").LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []types.LookupAttribute{{AttributeKey: types.LookupAttributeKeyResourceName, AttributeValue: aws.String("backup-admin")}}})
	require.NoError(t, err)
	require.Len(t, out.Events, 1)
	assert.Equal(t, "CreateUser", aws.ToString(out.Events[0].EventName))
	// A time range narrows; an inverted one is refused.
	out, err = c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{StartTime: aws.Time(now.Add(-90 * time.Minute)), EndTime: aws.Time(now.Add(-30 * time.Minute))})
	require.NoError(t, err)
	assert.Len(t, out.Events, 1)

	for _, tc := range []struct {
		in   *cloudtrail.LookupEventsInput
		code string
	}{
		{&cloudtrail.LookupEventsInput{StartTime: aws.Time(now), EndTime: aws.Time(now.Add(-time.Hour))}, "InvalidTimeRangeException"},
		{&cloudtrail.LookupEventsInput{LookupAttributes: []types.LookupAttribute{
			{AttributeKey: types.LookupAttributeKeyEventName, AttributeValue: aws.String("A")},
			{AttributeKey: types.LookupAttributeKeyEventName, AttributeValue: aws.String("B")}}}, "InvalidLookupAttributesException"},
		{&cloudtrail.LookupEventsInput{LookupAttributes: []types.LookupAttribute{{AttributeKey: "Colour", AttributeValue: aws.String("A")}}}, "InvalidLookupAttributesException"},
		{&cloudtrail.LookupEventsInput{MaxResults: aws.Int32(51)}, "InvalidMaxResultsException"},
		{&cloudtrail.LookupEventsInput{NextToken: aws.String("bm90LWEtdG9rZW4")}, "InvalidNextTokenException"},
	} {
		_, err := c.LookupEvents(ctx, tc.in)
		assert.Equal(t, tc.code, errCode(err))
	}
	// A token works only with the parameters it was issued for.
	first, err := c.LookupEvents(ctx, in)
	require.NoError(t, err)
	require.NotNil(t, first.NextToken)
	_, err = c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{NextToken: first.NextToken})
	assert.Equal(t, "InvalidNextTokenException", errCode(err))
}

func TestCloudTrailLookupEventsRate(t *testing.T) {
	f := Start(t)
	c := trailClient(f, "us-east-1")
	ctx := context.Background()
	codes := map[string]int{}
	for range 5 {
		_, err := c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
		codes[errCode(err)]++
	}
	assert.Equal(t, map[string]int{"": 2, "ThrottlingException": 3}, codes, "two at once, then two per second")
	// Another region has its own rate.
	_, err := trailClient(f, "ap-northeast-2").LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	assert.NoError(t, err)
	time.Sleep(600 * time.Millisecond)
	_, err = c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	assert.NoError(t, err, "a token comes back after half a second")
	calls, throttled := f.CloudTrail.Count("LookupEvents", "ThrottlingException")
	assert.Equal(t, 7, calls)
	assert.Equal(t, 3, throttled)
}
