// Package assets holds the lab's data files — the web site, the user data
// script, and the SQL — embedded so that the stacks deploy, and the tests
// read, the same bytes.
package assets

import "embed"

// Site is the web server's document root (assets/site).
//
//go:embed site
var Site embed.FS

// WebServerUserData is the boot script of every web server.
//
//go:embed userdata/webserver.sh
var WebServerUserData string

// SQL holds the lab's Athena queries (assets/sql/*.sql), one query per file.
// internal/queries parses and renders them; the group stack saves them as
// named queries and the CLI runs the same text.
//
//go:embed sql/*.sql
var SQL embed.FS

// MFACleanup is the Lambda handler (Python) that removes a participant
// user's MFA devices before CloudFormation deletes the user.
//
//go:embed lambda/mfa_cleanup.py
var MFACleanup string
