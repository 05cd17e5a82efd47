// Simulated network and nodes (issue 4): see ARCHITECTURE.md.
