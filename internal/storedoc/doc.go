// Package storedoc holds the JSON documents that pinfold's stores keep in
// their own shapes (segment definitions, application settings, job data,
// events): one copy for every store, so that the embedded and the
// PostgreSQL store read and write the same bytes, and renaming a domain
// field cannot silently drop stored data. The shapes mirror the domain
// types field for field.
package storedoc
