public enum LiaisonCore {}
