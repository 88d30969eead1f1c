// Package jobs reads etp-transfer job files.
package jobs
