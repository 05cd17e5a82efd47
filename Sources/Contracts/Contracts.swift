// The market contracts (issue 3): see ARCHITECTURE.md.
