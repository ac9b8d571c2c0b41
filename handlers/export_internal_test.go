package handlers

// WriteCSVChunks lets the tests compare the COPY export with the chunked
// one on the same data.
var WriteCSVChunks = writeCSVChunks
