package awsfake

import "testing"

// Account is the fakes `seclab preflight` reads: every fake of Fakes
// (CloudTrail's trail calls among them) plus Service Quotas. It starts as a new
// account: a default VPC with its internet gateway, quotas at AWS's
// defaults, no instances, trails or parameters.
type Account struct {
	*Fakes
	ServiceQuotas *ServiceQuotas
}

// StartAccount starts the fakes; they stop when the test ends.
func StartAccount(t testing.TB) *Account {
	a := &Account{Fakes: Start(t), ServiceQuotas: NewServiceQuotas()}
	a.CloudTrail.TrailRegion = a.Region
	t.Cleanup(a.ServiceQuotas.Close)
	a.EC2.AddVPC(VPC{ID: "vpc-default0", Default: true})
	a.EC2.AddInternetGateway(InternetGateway{ID: "igw-default0", VPC: "vpc-default0"})
	return a
}

// Servers lists every fake of the account.
func (a *Account) Servers() []*Server {
	return append(a.Fakes.Servers(), a.ServiceQuotas.Server)
}

// Env is Fakes.Env with the endpoints of Service Quotas and CloudTrail.
func (a *Account) Env() []string {
	return append(a.Fakes.Env(), "AWS_ENDPOINT_URL_"+a.ServiceQuotas.EnvName+"="+a.ServiceQuotas.URL)
}

// Environ is os.Environ() without AWS_ variables, followed by Env().
func (a *Account) Environ() []string { return environ(a.Env()) }

// Storm makes every nth call of every fake of the account fail with its
// service's throttling error, times times per service.
func (a *Account) Storm(every, times int) {
	a.Fakes.Storm(every, times)
	a.ServiceQuotas.Storm(a.ServiceQuotas.Throttling(), every, times)
}
