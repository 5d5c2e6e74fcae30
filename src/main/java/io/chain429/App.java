package io.chain429; public class App { public static void main(String[] a){} }
