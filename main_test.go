package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestContextStrings(t *testing.T) {
	got := contextStrings(map[string]interface{}{
		"participants": []interface{}{"koo", "lee"},
		"allowedCidr":  "203.0.113.0/24",
		"@aws-cdk/core:enableStackNameDuplicates": true,
	})
	assert.Equal(t, map[string]string{
		"participants": "koo,lee",
		"allowedCidr":  "203.0.113.0/24",
		"@aws-cdk/core:enableStackNameDuplicates": "true",
	}, got)
	assert.Empty(t, contextStrings(nil))
}
