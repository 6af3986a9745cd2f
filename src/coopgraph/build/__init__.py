"""Building: the pipeline that validates, reasons and writes a build folder and its store."""
