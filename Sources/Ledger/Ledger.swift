// The chain core (issue 3): see ARCHITECTURE.md.
