package handlebars

import "github.com/mailgun/raymond/v2/lexer"

// CheckSyntax is checkSyntax of src, for the tests.
func CheckSyntax(src string) error { return checkSyntax(lexer.Collect(src)) }
