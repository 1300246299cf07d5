# Regenerate tests/data/ms.sev_grid_scores.csv: the scores R ms.sev 1.0.4 computes on the grid
# of issue #20 (EDSS 0-10 step 0.25 x duration 0-40 step 0.25; x age 10-80 step 0.25).
#
#   Rscript scripts/msssev_grid_fixture.R            # needs R >= 4.2 and install.packages("ms.sev")
#
# The fixture was NOT produced in the mscohort repository: R and the CRAN package ms.sev could
# not be installed where convention="ms.sev" was written (docs/scores/msss.md). When this
# script has been run, tests/test_scores_mssev_grid.py compares every cell with it.
# Columns: kind ("msss" or "armss"), edss, years (duration or age), oGMSSS, uGMSSS, gARMSS.
stopifnot(packageVersion("ms.sev") == "1.0.4")
library(ms.sev)

edss <- seq(0, 10, by = 0.25)
dur <- seq(0, 40, by = 0.25)
age <- seq(10, 80, by = 0.25)

m <- expand.grid(edss = edss, dd = dur)
gm <- ms_sev(m, type = "global_msss", omsss = TRUE)$data
msss <- data.frame(kind = "msss", edss = gm$edss, years = gm$dd,
                   oGMSSS = as.numeric(gm$oGMSSS), uGMSSS = as.numeric(gm$uGMSSS),
                   gARMSS = NA_real_)

a <- expand.grid(edss = edss, ageatedss = age)
ga <- ms_sev(a, type = "global_armss")$data
armss <- data.frame(kind = "armss", edss = ga$edss, years = ga$ageatedss,
                    oGMSSS = NA_real_, uGMSSS = NA_real_, gARMSS = as.numeric(ga$gARMSS))

out <- rbind(msss, armss)
write.csv(out, file.path("tests", "data", "ms.sev_grid_scores.csv"), row.names = FALSE,
          na = "NA")
cat(sprintf("%s R %s ms.sev %s: %d rows\n", Sys.time(), getRversion(),
            packageVersion("ms.sev"), nrow(out)))
