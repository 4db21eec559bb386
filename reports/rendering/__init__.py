"""Document rendering infrastructure (PDF via WeasyPrint, SVG charts); knows no domain model."""
