package schemas

// ReferenceValidateASL is the library-backed validator of aslref_test.go,
// for the differential tests in package schemas_test.
var ReferenceValidateASL = referenceValidateASL
