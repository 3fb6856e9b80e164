"""greenlens.analysis: DuckDB SQL over papers and findings: shares, trends, estimates."""
