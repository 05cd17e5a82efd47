// Market agents and behaviour models (issue 5): see ARCHITECTURE.md.
