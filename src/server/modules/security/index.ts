/** Sessions, second factor and security settings of the signed-in user and of the users one manages. */
export {};
