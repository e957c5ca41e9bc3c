package preflight

import "strings"

// StandardFamily reports whether an instance type counts against the
// "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances" quota
// (ec2 L-1216C47A). Families with those initials but quotas of their own
// are left out: Inferentia (inf), Trainium (trn), DL (dl), HPC (hpc) and
// Mac (mac) instances.
func StandardFamily(instanceType string) bool {
	family, _, _ := strings.Cut(instanceType, ".")
	if family == "" {
		return false
	}
	for _, p := range []string{"inf", "trn", "dl", "hpc", "mac"} {
		if strings.HasPrefix(family, p) {
			return false
		}
	}
	return strings.ContainsRune("acdhimrtz", rune(family[0]))
}

// fallbackVCPUs are the default vCPUs of the types a lab is likely to run,
// used only where ec2:DescribeInstanceTypes is denied.
var fallbackVCPUs = map[string]int32{
	"t4g.nano": 2, "t4g.micro": 2, "t4g.small": 2, "t4g.medium": 2, "t4g.large": 2, "t4g.xlarge": 4, "t4g.2xlarge": 8,
	"t3.nano": 2, "t3.micro": 2, "t3.small": 2, "t3.medium": 2, "t3.large": 2, "t3.xlarge": 4, "t3.2xlarge": 8,
	"t3a.nano": 2, "t3a.micro": 2, "t3a.small": 2, "t3a.medium": 2, "t3a.large": 2, "t3a.xlarge": 4, "t3a.2xlarge": 8,
	"t2.nano": 1, "t2.micro": 1, "t2.small": 1, "t2.medium": 2, "t2.large": 2, "t2.xlarge": 4, "t2.2xlarge": 8,
	"m7g.medium": 1, "m7g.large": 2, "m7g.xlarge": 4, "c7g.medium": 1, "c7g.large": 2,
	"m5.large": 2, "m5.xlarge": 4, "m6i.large": 2, "m6i.xlarge": 4, "m7i.large": 2, "c5.large": 2, "c6i.large": 2, "r5.large": 2,
}
