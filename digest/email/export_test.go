package email

// ReadPart is readPart, for the tests outside the package.
var ReadPart = readPart
