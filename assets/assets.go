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
