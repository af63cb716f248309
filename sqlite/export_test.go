package sqlite

// BackupVacuum is Store.Backup through VACUUM INTO, for BenchmarkBackup.
var BackupVacuum = (*Store).backupVacuum
