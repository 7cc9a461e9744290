//! The screenplay grammar (pest) and its syntax tree; parsing never fails and collects errors
