// Tendermint consensus core (issue 4): see ARCHITECTURE.md.
