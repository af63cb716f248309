package pinfold

// OrderedID is orderedID for tests: NewOrderedID at a given time.
var OrderedID = orderedID
