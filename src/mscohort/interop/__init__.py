"""Other formats in and out: CDISC SDTM, REDCap, wide registry sheets."""
