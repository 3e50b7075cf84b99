// Placeholder: the store arrives with the cases issue (#4).
import GRDB
