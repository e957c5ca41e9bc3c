// Command emptyapp is the yardstick of the synthesis benchmarks: a CDK app
// with one empty stack, paying the same jsii start-up and synthesis costs as
// the lab's app and nothing more.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	awscdk.NewStack(app, jsii.String("Empty"), nil)
	app.Synth(nil)
}
