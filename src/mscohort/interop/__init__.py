"""Other formats in and out: CDISC SDTM (``sdtm``) and wide registry sheets (``wide``)."""
