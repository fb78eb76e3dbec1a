-- The programme's indicators (internal/dashboard): one value per day, unit
-- and indicator. A unit is "VN" (the country), a province code (2 digits)
-- or a commune code (5 digits). Today's values are rewritten by each
-- snapshot until the day ends; earlier days are history. The primary key
-- serves both reads: a unit's days, and given units on one day.
CREATE TABLE indicator_values (
	unit      TEXT NOT NULL,
	day       TEXT NOT NULL,
	indicator TEXT NOT NULL,
	value     DOUBLE PRECISION NOT NULL,
	PRIMARY KEY (unit, day, indicator)
);
