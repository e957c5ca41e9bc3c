package investigate

import (
	"cmp"
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"
)

// LookupRate is CloudTrail's limit on LookupEvents: two requests per second,
// per account, per region.
const LookupRate = 2

// MaxLookupEvents caps the events one investigation reads from event
// history (20 pages of 50 per lookup attribute, 10 s at the rate): a busy
// account's IAM history can hold more than a table can show.
const MaxLookupEvents = 1000

// LookupAPI is the part of the CloudTrail client the lookup back end uses.
type LookupAPI interface {
	cloudtrail.LookupEventsAPIClient
}

// LookupBackend reads CloudTrail's event history, one client per region,
// paginating every lookup and waiting for a token of its region's rate
// limiter before each request, so that it never exceeds CloudTrail's rate.
type LookupBackend struct {
	// Client returns the client of a region.
	Client func(region string) LookupAPI
	// Rate is requests per second per region. Default: LookupRate. The
	// limiters are shared by every Events call of one back end, as the
	// account's limit is.
	Rate float64
	// OnPage, when set, is told of each page read and the events on it.
	OnPage func(region, key, value string, page, events int)

	once     sync.Once
	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

// Name is Lookup.
func (*LookupBackend) Name() string { return Lookup }

func (b *LookupBackend) limiter(region string) *rate.Limiter {
	b.once.Do(func() { b.limiters = map[string]*rate.Limiter{} })
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.limiters[region]
	if l == nil {
		r := b.Rate
		if r <= 0 {
			r = LookupRate
		}
		// A burst of one: requests are spaced evenly, never two at once.
		l = rate.NewLimiter(rate.Limit(r), 1)
		b.limiters[region] = l
	}
	return l
}

// Events runs the scenario's lookups: the regions in parallel (each has its
// own limit), the lookups of a region one after the other.
func (b *LookupBackend) Events(ctx context.Context, r Request) ([]Event, Stats, error) {
	calls := r.Scenario.lookups(r)
	st := Stats{Regions: r.Regions()}
	byRegion := map[string][]lookupCall{}
	for _, c := range calls {
		byRegion[c.Region] = append(byRegion[c.Region], c)
	}
	var (
		mu     sync.Mutex
		events []Event
	)
	g, gctx := errgroup.WithContext(ctx)
	for _, region := range st.Regions {
		g.Go(func() error {
			client := b.Client(region)
			lim := b.limiter(region)
			for _, c := range byRegion[region] {
				in := &cloudtrail.LookupEventsInput{
					StartTime:  aws.Time(r.Range.Since),
					EndTime:    aws.Time(r.Range.Until),
					MaxResults: aws.Int32(50),
					LookupAttributes: []types.LookupAttribute{{
						AttributeKey: types.LookupAttributeKey(c.Key), AttributeValue: aws.String(c.Value),
					}},
				}
				p := cloudtrail.NewLookupEventsPaginator(client, in, func(o *cloudtrail.LookupEventsPaginatorOptions) { o.StopOnDuplicateToken = true })
				read := 0
				for page := 1; p.HasMorePages(); page++ {
					if err := lim.Wait(gctx); err != nil {
						return err
					}
					out, err := p.NextPage(gctx)
					mu.Lock()
					st.Requests++
					mu.Unlock()
					if err != nil {
						return fmt.Errorf("CloudTrail LookupEvents in %s (%s=%s): %w", region, c.Key, c.Value, err)
					}
					var evs []Event
					for _, ce := range out.Events {
						e, err := fromRecord(aws.ToString(ce.CloudTrailEvent))
						if err != nil {
							return fmt.Errorf("CloudTrail LookupEvents in %s: event %s: %w", region, aws.ToString(ce.EventId), err)
						}
						e.EventID = cmp.Or(e.EventID, aws.ToString(ce.EventId))
						if r.Scenario.keep(&e) {
							evs = append(evs, e)
						}
					}
					read += len(out.Events)
					if b.OnPage != nil {
						b.OnPage(region, c.Key, c.Value, page, len(out.Events))
					}
					mu.Lock()
					events = append(events, evs...)
					mu.Unlock()
					if read >= MaxLookupEvents && p.HasMorePages() {
						mu.Lock()
						st.Truncated = fmt.Sprintf("Event history holds more than %d events for %s=%s in %s: this shows the newest %d; narrow --since/--until, or use --backend athena.", MaxLookupEvents, c.Key, c.Value, region, read)
						mu.Unlock()
						break
					}
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, st, err
	}
	return events, st, nil
}
